package dev.impulse.oci.registry;

import dev.impulse.oci.Digest;
import dev.impulse.oci.registry.RegistryException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * Sends one request to a registry the way the distribution spec expects a client to: with the
 * cached authorization for its scope, answering one {@code 401} through {@link RegistryAuth} and
 * trying once more, and following redirects itself (the JDK client's own policy would carry the
 * {@code Authorization} header to any host and follow https to http).
 *
 * <p>Redirects (GET and HEAD only; blob GETs often go to a storage service): at most {@value
 * #MAX_REDIRECTS}; never from HTTPS to plain HTTP; plain HTTP only to hosts {@link
 * RegistrySettings#allows} lets; the {@code Authorization} header only to the registry itself, so
 * it is dropped for good once a redirect leaves it. Thread-safe.
 */
final class RegistryHttp {
  static final String USER_AGENT = "impulse";
  static final int MAX_REDIRECTS = 5;
  private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);

  /**
   * One request.
   *
   * @param method the HTTP method
   * @param uri where it goes first
   * @param what what it does, for messages ({@code "GET manifest"})
   * @param subject what it is about, for messages ({@code "manifest 1.0"})
   * @param headers extra headers
   * @param body a fresh body for each try, or none
   * @param push whether it needs push access (the token's scope)
   * @param followRedirects whether a redirect is followed or returned
   */
  record Call(
      String method,
      URI uri,
      String what,
      String subject,
      Map<String, String> headers,
      Optional<Supplier<BodyPublisher>> body,
      boolean push,
      boolean followRedirects) {
    static Call get(URI uri, String what, String subject, Map<String, String> headers) {
      return new Call("GET", uri, what, subject, headers, Optional.empty(), false, true);
    }
  }

  private final RegistrySettings settings;
  private final HttpClient http;
  private final RegistryAuth auth;

  RegistryHttp(RegistrySettings settings, HttpClient http, RegistryAuth auth) {
    this.settings = settings;
    this.http = http;
    this.auth = auth;
  }

  /** The base URI of {@code ref}'s repository: {@code scheme://registry/v2/repository/}. */
  URI repository(ImageReference ref) {
    return URI.create(
        settings.scheme(ref.registry()) + "://" + ref.registry() + "/v2/" + ref.repository() + "/");
  }

  /**
   * Sends {@code call} and returns the final answer, whatever its status (a second 401 included);
   * the caller closes its body. {@code localFailure} is where a body reading a local file records
   * its failure, thrown here as the {@link IOException} it is.
   */
  HttpResponse<InputStream> send(
      ImageReference ref, Call call, AtomicReference<IOException> localFailure) throws IOException {
    String scope = RegistryAuth.scope(ref, call.push());
    Optional<String> authorization = auth.cached(ref, scope);
    HttpResponse<InputStream> response = follow(ref, call, authorization, localFailure);
    if (response.statusCode() == 401 && isRegistry(ref, response.uri())) {
      List<String> challenges = response.headers().allValues("WWW-Authenticate");
      response.body().close();
      authorization = Optional.of(auth.respond(ref, scope, challenges, authorization));
      response = follow(ref, call, authorization, localFailure);
    }
    return response;
  }

  /** Sends {@code call} with no local body. */
  HttpResponse<InputStream> send(ImageReference ref, Call call) throws IOException {
    return send(ref, call, new AtomicReference<>());
  }

  /**
   * The exception for an answer {@code call} did not want; reads a bounded part of its body (the
   * registry's error) and closes it.
   */
  RegistryException refusal(ImageReference ref, Call call, HttpResponse<InputStream> response) {
    List<String> errors = List.of();
    try (InputStream body = response.body()) {
      errors = RegistryErrors.parse(body.readNBytes(RegistryErrors.MAX_ERROR_BYTES));
    } catch (IOException e) {
      // the status says enough
    }
    if (REDIRECTS.contains(response.statusCode()) && !call.followRedirects()) {
      return new RegistryException(
          Kind.PROTOCOL,
          ref,
          call.subject(),
          call.what() + " was redirected, which the distribution spec does not allow here",
          response.statusCode(),
          errors,
          RegistryErrors.remedy(Kind.PROTOCOL, ref, call.subject(), settings),
          null);
    }
    return RegistryErrors.failure(
        ref, call.subject(), call.what(), response.statusCode(), errors, settings);
  }

  private HttpResponse<InputStream> follow(
      ImageReference ref,
      Call call,
      Optional<String> authorization,
      AtomicReference<IOException> localFailure)
      throws IOException {
    URI uri = call.uri();
    if (!settings.allows(uri) || downgrades(repository(ref), uri)) {
      // an upload location the registry gave: held to the rule redirects are held to
      throw new RegistryException(
          Kind.PROTOCOL,
          ref,
          call.subject(),
          call.what()
              + " would go to "
              + Sanitize.uri(uri)
              + ", which impulse does not use: never plain HTTP for an HTTPS registry, and plain"
              + " HTTP only to loopback and insecure-listed hosts",
          "");
    }
    boolean withAuthorization = isRegistry(ref, uri);
    for (int redirects = 0; ; redirects++) {
      HttpResponse<InputStream> response =
          exchange(
              ref, call, uri, withAuthorization ? authorization : Optional.empty(), localFailure);
      if (!call.followRedirects() || !REDIRECTS.contains(response.statusCode())) {
        return response;
      }
      response.body().close();
      Optional<String> location = response.headers().firstValue("Location");
      if (location.isEmpty() || redirects == MAX_REDIRECTS) {
        throw new RegistryException(
            Kind.PROTOCOL,
            ref,
            call.subject(),
            call.what()
                + (location.isEmpty()
                    ? " was redirected without a Location"
                    : " was redirected more than " + MAX_REDIRECTS + " times"),
            response.statusCode(),
            List.of(),
            "",
            null);
      }
      URI next = resolve(ref, call, uri, location.get());
      if (downgrades(uri, next) || !settings.allowsHop(repository(ref), next)) {
        throw new RegistryException(
            Kind.PROTOCOL,
            ref,
            call.subject(),
            call.what()
                + " was redirected from "
                + Sanitize.uri(uri)
                + " to "
                + Sanitize.uri(next)
                + ", which impulse does not follow: never from HTTPS to plain HTTP, and plain HTTP"
                + " only to loopback and insecure-listed hosts",
            response.statusCode(),
            List.of(),
            "",
            null);
      }
      withAuthorization = withAuthorization && sameOrigin(uri, next);
      uri = next;
    }
  }

  private HttpResponse<InputStream> exchange(
      ImageReference ref,
      Call call,
      URI uri,
      Optional<String> authorization,
      AtomicReference<IOException> localFailure)
      throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(settings.requestTimeout())
            .header("User-Agent", USER_AGENT)
            .method(
                call.method(),
                call.body().map(Supplier::get).orElseGet(HttpRequest.BodyPublishers::noBody));
    if ("http".equalsIgnoreCase(uri.getScheme())) {
      request.version(HttpClient.Version.HTTP_1_1); // no h2c upgrade attempt on plain HTTP
    }
    call.headers().forEach(request::header);
    authorization.ifPresent(value -> request.header("Authorization", value));
    try {
      return http.send(request.build(), IdleTimeoutBody.handler(settings.requestTimeout()));
    } catch (IOException e) {
      if (localFailure.get() != null) {
        throw localFailure.get();
      }
      throw unreachable(ref, call, uri, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(call.what() + " of " + ref + " was interrupted");
    }
  }

  private RegistryException unreachable(ImageReference ref, Call call, URI uri, IOException e) {
    String why =
        switch (e) {
          case HttpTimeoutException t ->
              "no answer within " + settings.requestTimeout().toMillis() + " ms";
          case ConnectException c -> "cannot connect (" + c.getMessage() + ")";
          case SSLException s -> "TLS failed (" + s.getMessage() + ")";
          default -> "the connection failed (" + e + ")";
        };
    return new RegistryException(
        Kind.UNREACHABLE,
        ref,
        call.subject(),
        call.what() + " to " + Sanitize.uri(uri) + ": " + why,
        RegistryErrors.remedy(Kind.UNREACHABLE, ref, call.subject(), settings),
        e);
  }

  /** {@code location} resolved against {@code from}; a location that is no URI is refused. */
  URI resolve(ImageReference ref, Call call, URI from, String location) {
    try {
      URI next = from.resolve(location.strip());
      if (next.getHost() == null || next.getRawUserInfo() != null) {
        throw new IllegalArgumentException("no host, or user info");
      }
      return next;
    } catch (IllegalArgumentException e) {
      throw new RegistryException(
          Kind.PROTOCOL,
          ref,
          call.subject(),
          call.what() + " answered a Location that is no usable URL",
          "",
          e);
    }
  }

  /** Whether {@code uri} is the registry of {@code ref} itself (its scheme, host and port). */
  boolean isRegistry(ImageReference ref, URI uri) {
    return sameOrigin(repository(ref), uri);
  }

  /** Whether going from {@code from} to {@code to} leaves HTTPS. */
  private static boolean downgrades(URI from, URI to) {
    return "https".equalsIgnoreCase(from.getScheme()) && !"https".equalsIgnoreCase(to.getScheme());
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme())
        && a.getHost().toLowerCase(Locale.ROOT).equals(b.getHost().toLowerCase(Locale.ROOT))
        && port(a) == port(b);
  }

  private static int port(URI uri) {
    if (uri.getPort() >= 0) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  /** Checks the {@code Docker-Content-Digest} of an answer when it names a SHA-256 digest. */
  void checkDigestHeader(
      ImageReference ref, String subject, HttpResponse<?> response, Digest digest) {
    Optional<String> header = response.headers().firstValue("Docker-Content-Digest");
    if (header.isEmpty() || !header.get().startsWith("sha256:")) {
      return; // another algorithm cannot be checked; the bytes were
    }
    if (!header.get().strip().equals(digest.toString())) {
      throw new RegistryException(
          Kind.DIGEST_MISMATCH,
          ref,
          subject,
          "the registry says its digest is "
              + Sanitize.text(header.get())
              + ", but it is "
              + digest,
          RegistryErrors.remedy(Kind.DIGEST_MISMATCH, ref, subject, settings));
    }
  }
}
