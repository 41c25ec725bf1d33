package dev.impulse.api;

import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether the API serves a request at all, before any route runs:
 *
 * <ul>
 *   <li>its {@code Host} must name this daemon (the listen address, {@code localhost}, or a name
 *       given with {@code --allowed-host}), so a page whose name was re-bound to 127.0.0.1 (DNS
 *       rebinding) reaches nothing;
 *   <li>a request carrying a foreign {@code Origin} (a script of a web page) is refused; no CORS
 *       headers are ever sent, so browsers cannot read answers either;
 *   <li>every request but {@code GET /healthz} must carry {@code Authorization: Bearer TOKEN},
 *       compared in constant time.
 * </ul>
 *
 * The token, not the content type, is what stops a browser: a JSON body sent as {@code text/plain}
 * (as {@code curl -d} does) is still read. Immutable and thread-safe.
 */
final class RequestGuard {
  static final String HEALTH_PATH = "/healthz";

  private final Optional<byte[]> tokenDigest;
  private final Set<String> hosts;
  private final Set<String> origins;
  private final boolean checkHost;

  RequestGuard(ApiSettings settings) {
    this.tokenDigest = settings.token().map(RequestGuard::digest);
    this.checkHost = settings.unixSocket().isEmpty();
    Set<String> names = new LinkedHashSet<>();
    names.add("localhost");
    names.add(normalise(settings.host()));
    settings.allowedHosts().forEach(h -> names.add(normalise(h)));
    if (isWildcard(settings.host())) {
      names.addAll(localAddresses());
    }
    this.hosts = Set.copyOf(names);
    Set<String> allowedOrigins = new LinkedHashSet<>();
    for (String name : hosts) {
      String shown = name.contains(":") ? "[" + name + "]" : name;
      allowedOrigins.add("http://" + shown + ":" + settings.port());
    }
    this.origins = Set.copyOf(allowedOrigins);
  }

  /** Refuses the request with an {@link AccessDeniedException} unless it may be served. */
  void check(Context ctx) {
    String host = ctx.header("Host");
    if (checkHost && host != null && !hosts.contains(hostName(host))) {
      throw AccessDeniedException.forbidden(
          "unknown-host",
          "this API answers requests addressed to "
              + String.join(", ", hosts)
              + ", not to '"
              + host
              + "'; if that is a name of this machine, start the daemon with --allowed-host "
              + hostName(host));
    }
    String origin = ctx.header("Origin");
    if (origin != null && !origins.contains(origin.toLowerCase(Locale.ROOT))) {
      throw AccessDeniedException.forbidden(
          "foreign-origin",
          "requests made by web pages (Origin: "
              + origin
              + ") are refused; call the API from a program, not from a browser");
    }
    if (tokenDigest.isEmpty() || isHealthCheck(ctx)) {
      return;
    }
    String authorization = ctx.header("Authorization");
    if (authorization == null
        || authorization.length() < 7
        || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw AccessDeniedException.unauthorized(
          "this request needs the API token: send 'Authorization: Bearer TOKEN', with TOKEN from"
              + " the daemon's token file (<data-dir>/api-token, or --api-token-file)");
    }
    byte[] given = digest(authorization.substring(7).trim());
    if (!MessageDigest.isEqual(given, tokenDigest.get())) {
      throw AccessDeniedException.unauthorized(
          "the API token sent is not this daemon's; read it again from the daemon's token file");
    }
  }

  private static boolean isHealthCheck(Context ctx) {
    String method = ctx.method().name();
    return ctx.path().equals(HEALTH_PATH) && (method.equals("GET") || method.equals("HEAD"));
  }

  /** A digest of the same length for any token, so the comparison's time says nothing. */
  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /** The host part of a {@code Host} header: {@code name}, {@code name:port}, {@code [v6]:port}. */
  static String hostName(String header) {
    String value = header.trim();
    try {
      URI uri = new URI("http://" + value + "/");
      if (uri.getHost() != null) {
        return normalise(uri.getHost());
      }
    } catch (URISyntaxException e) {
      // not a well-formed authority: compare it as it is, which matches nothing allowed
    }
    return value.toLowerCase(Locale.ROOT);
  }

  private static String normalise(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h;
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.isEmpty();
  }

  private static Set<String> localAddresses() {
    Set<String> addresses = new LinkedHashSet<>();
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          String text = address.getHostAddress();
          int zone = text.indexOf('%');
          addresses.add(normalise(zone >= 0 ? text.substring(0, zone) : text));
        }
      }
    } catch (SocketException e) {
      // no interfaces readable: only the names given are allowed
    }
    return addresses;
  }
}
