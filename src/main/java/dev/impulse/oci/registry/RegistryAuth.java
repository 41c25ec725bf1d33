package dev.impulse.oci.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.impulse.oci.registry.RegistryException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a registry's {@code 401}: the distribution spec's token flow for a {@code Bearer}
 * challenge (a token from the challenge's realm for the repository's scope, asked with the
 * registry's credentials when it has some), or the registry's credentials for a {@code Basic} one.
 * What it got is cached per registry and scope, a token until its {@code expires_in} (60 s when the
 * server gives none), so later requests send it at once instead of meeting a 401 first.
 *
 * <p>Credentials go only where {@link RegistrySettings#allows} lets them: over HTTPS, or plain HTTP
 * to a loopback or insecure-listed host. A token realm elsewhere on plain HTTP is refused outright,
 * never sent anything. Tokens and credentials never appear in messages or logs.
 *
 * <p>Thread-safe: the cache is concurrent; two requests that meet a 401 at once may each fetch a
 * token, and the later one is kept.
 */
final class RegistryAuth {
  private static final Logger log = LoggerFactory.getLogger(RegistryAuth.class);
  static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
  private static final int PRUNE_ABOVE = 256;
  private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]{1,65536}");
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private record Key(String registry, String scope) {}

  private record Grant(String authorization, Instant expires) {}

  private final RegistrySettings settings;
  private final HttpClient http;
  private final InstantSource clock;
  private final Map<Key, Grant> grants = new ConcurrentHashMap<>();

  RegistryAuth(RegistrySettings settings, HttpClient http, InstantSource clock) {
    this.settings = settings;
    this.http = http;
    this.clock = clock;
  }

  /** The scope of a token for {@code ref}'s repository: pull, or pull and push. */
  static String scope(ImageReference ref, boolean push) {
    return "repository:" + ref.repository() + (push ? ":pull,push" : ":pull");
  }

  /** The {@code Authorization} value cached for {@code ref}'s registry and {@code scope}. */
  Optional<String> cached(ImageReference ref, String scope) {
    Key key = new Key(ref.registry(), scope);
    Grant grant = grants.get(key);
    if (grant == null) {
      return Optional.empty();
    }
    if (!clock.instant().isBefore(grant.expires())) {
      grants.remove(key, grant);
      return Optional.empty();
    }
    return Optional.of(grant.authorization());
  }

  /**
   * The {@code Authorization} value answering the challenges of a 401 ({@code headers}, the values
   * of its {@code WWW-Authenticate}); {@code rejected} is what the refused request sent, dropped
   * from the cache. Throws {@link RegistryException} when no answer can be had.
   */
  String respond(ImageReference ref, String scope, List<String> headers, Optional<String> rejected)
      throws InterruptedIOException {
    Key key = new Key(ref.registry(), scope);
    rejected.ifPresent(sent ->
        grants.computeIfPresent(
            key, (k, grant) -> grant.authorization().equals(sent) ? null : grant));
    List<AuthChallenge> challenges = new ArrayList<>();
    for (String header : headers) {
      try {
        challenges.addAll(AuthChallenge.parse(header));
      } catch (IllegalArgumentException e) {
        throw failure(Kind.PROTOCOL, ref, scope, e.getMessage(), "", e);
      }
    }
    Optional<AuthChallenge> bearer = challenges.stream().filter(c -> c.is("Bearer")).findFirst();
    if (bearer.isPresent()) {
      return remember(key, fetchToken(ref, scope, bearer.get()));
    }
    if (challenges.stream().anyMatch(c -> c.is("Basic"))) {
      RegistryCredentials credentials =
          settings
              .credentialsFor(ref.registry())
              .orElseThrow(() ->
                  failure(
                      Kind.UNAUTHORIZED,
                      ref,
                      scope,
                      "the registry asks for Basic credentials",
                      RegistryErrors.remedy(Kind.UNAUTHORIZED, ref, "", settings),
                      null));
      if (rejected.filter(sent -> sent.startsWith("Basic ")).isPresent()) {
        throw failure(
            Kind.UNAUTHORIZED,
            ref,
            scope,
            "the registry refused the configured credentials",
            RegistryErrors.remedy(Kind.UNAUTHORIZED, ref, "", settings),
            null);
      }
      return remember(key, new Grant(basic(credentials), Instant.MAX));
    }
    throw failure(
        Kind.UNAUTHORIZED,
        ref,
        scope,
        challenges.isEmpty()
            ? "the registry answered 401 without a WWW-Authenticate challenge"
            : "the registry asks for authentication impulse does not speak ("
                + String.join(", ", challenges.stream().map(AuthChallenge::scheme).toList())
                + "; impulse speaks Bearer and Basic)",
        "",
        null);
  }

  private String remember(Key key, Grant grant) {
    if (grants.size() > PRUNE_ABOVE) {
      Instant now = clock.instant();
      grants.values().removeIf(g -> !now.isBefore(g.expires()));
    }
    grants.put(key, grant);
    return grant.authorization();
  }

  private Grant fetchToken(ImageReference ref, String scope, AuthChallenge challenge)
      throws InterruptedIOException {
    URI realm = realm(ref, scope, challenge);
    StringBuilder query = new StringBuilder();
    challenge.param("service").ifPresent(s -> query.append("service=").append(encode(s)));
    query.append(query.isEmpty() ? "" : "&").append("scope=").append(encode(scope));
    URI uri = URI.create(realm + (realm.getRawQuery() == null ? "?" : "&") + query);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(settings.requestTimeout())
            .header("Accept", "application/json")
            .header("User-Agent", RegistryHttp.USER_AGENT)
            .GET();
    if ("http".equals(uri.getScheme())) {
      request.version(HttpClient.Version.HTTP_1_1);
    }
    Optional<RegistryCredentials> credentials = settings.credentialsFor(ref.registry());
    credentials.ifPresent(c -> request.header("Authorization", basic(c)));
    String where = "the token server " + Sanitize.uri(realm);
    HttpResponse<InputStream> response;
    try {
      response = http.send(request.build(), IdleTimeoutBody.handler(settings.requestTimeout()));
    } catch (IOException e) {
      throw failure(
          Kind.UNREACHABLE,
          ref,
          scope,
          where + " cannot be reached (" + e + ")",
          RegistryErrors.remedy(Kind.UNREACHABLE, ref, "", settings),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while asking " + where + " for a token");
    }
    try (InputStream body = response.body()) {
      byte[] bytes = BlobStreams.readAtMost(body, settings.maxTokenBytes());
      int status = response.statusCode();
      if (status != 200) {
        // a token server elsewhere than the registry's host does not get its words repeated:
        // they would let a registry read back what a service it points at answers
        List<String> errors =
            realm.getHost().equalsIgnoreCase(registryUri(ref).getHost())
                ? RegistryErrors.parse(bytes)
                : List.of();
        Kind kind =
            status == 401 || status == 403
                ? Kind.UNAUTHORIZED
                : RegistryErrors.kind(status, errors);
        throw new RegistryException(
            kind,
            ref,
            "token for " + scope,
            where + " refused a token" + (credentials.isPresent() ? "" : " to an anonymous client"),
            status,
            errors,
            RegistryErrors.remedy(kind, ref, "", settings),
            null);
      }
      if (bytes.length > settings.maxTokenBytes()) {
        throw failure(
            Kind.TOO_LARGE,
            ref,
            scope,
            where + " answered more than " + settings.maxTokenBytes() + " bytes",
            "",
            null);
      }
      return grant(ref, scope, where, bytes);
    } catch (IOException e) {
      throw failure(
          Kind.UNREACHABLE,
          ref,
          scope,
          "reading the answer of " + where + " failed (" + e + ")",
          RegistryErrors.remedy(Kind.UNREACHABLE, ref, "", settings),
          e);
    }
  }

  private URI registryUri(ImageReference ref) {
    return URI.create(settings.scheme(ref.registry()) + "://" + ref.registry() + "/");
  }

  /** The challenge's realm, if impulse may ask it. */
  private URI realm(ImageReference ref, String scope, AuthChallenge challenge) {
    String text =
        challenge
            .param("realm")
            .orElseThrow(() ->
                failure(
                    Kind.PROTOCOL, ref, scope, "its Bearer challenge names no realm", "", null));
    URI realm;
    try {
      realm = new URI(text);
    } catch (URISyntaxException e) {
      throw failure(
          Kind.PROTOCOL,
          ref,
          scope,
          "its token realm '" + Sanitize.text(text) + "' is not a URL",
          "",
          e);
    }
    if (!realm.isAbsolute() || realm.getRawUserInfo() != null || realm.getFragment() != null) {
      throw failure(
          Kind.PROTOCOL,
          ref,
          scope,
          "its token realm '" + Sanitize.text(text) + "' is not an absolute URL without user info",
          "",
          null);
    }
    if (settings.allows(realm) && !settings.allowsHop(registryUri(ref), realm)) {
      throw failure(
          Kind.UNAUTHORIZED,
          ref,
          scope,
          "its token server "
              + Sanitize.uri(realm)
              + " is on plain HTTP for an HTTPS registry, or on an internal address the registry"
              + " is not on: impulse sends nothing there",
          "pull from a registry whose token server is its own, or one you trust",
          null);
    }
    if (!settings.allows(realm)) {
      throw failure(
          Kind.UNAUTHORIZED,
          ref,
          scope,
          "its token server "
              + Sanitize.uri(realm)
              + " is on plain HTTP, and neither loopback nor an insecure registry: impulse sends"
              + " nothing there",
          "list "
              + realm.getHost()
              + " as an insecure registry only if it is yours, on a network"
              + " you trust",
          null);
    }
    return realm;
  }

  private Grant grant(ImageReference ref, String scope, String where, byte[] bytes) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      root = null;
    }
    String token = "";
    if (root != null && root.isObject()) {
      token = root.path("token").asText(root.path("access_token").asText(""));
      if (token.isEmpty()) {
        token = root.path("access_token").asText("");
      }
    }
    if (!TOKEN.matcher(token).matches()) {
      throw failure(
          Kind.PROTOCOL,
          ref,
          scope,
          where
              + " answered no usable token (JSON with 'token' or 'access_token' of visible ASCII)",
          "",
          null);
    }
    Duration lifetime = DEFAULT_TOKEN_LIFETIME;
    JsonNode expiresIn = root.path("expires_in");
    if (expiresIn.canConvertToLong() && expiresIn.asLong() > 0) {
      lifetime = Duration.ofSeconds(Math.min(expiresIn.asLong(), Duration.ofDays(1).toSeconds()));
    }
    log.debug(
        "registry {}: got a token for {} for {} s", ref.registry(), scope, lifetime.toSeconds());
    return new Grant("Bearer " + token, clock.instant().plus(lifetime));
  }

  private static String basic(RegistryCredentials credentials) {
    String pair = credentials.username() + ":" + credentials.password();
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static RegistryException failure(
      Kind kind, ImageReference ref, String scope, String problem, String remedy, Throwable cause) {
    return new RegistryException(kind, ref, "token for " + scope, problem, remedy, cause);
  }
}
