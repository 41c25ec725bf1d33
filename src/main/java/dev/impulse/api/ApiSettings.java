package dev.impulse.api;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the API listens and whom it serves, validated by the daemon's configuration.
 *
 * @param host the TCP address (ignored for a Unix socket)
 * @param port the TCP port (0: any free one)
 * @param unixSocket the Unix socket to listen on instead of TCP
 * @param token the token every request but {@code GET /healthz} must carry; empty: no
 *     authentication (local development only)
 * @param allowedHosts names a request's {@code Host} may give besides the listen address and {@code
 *     localhost}
 * @param maxConnections connections at once, in all
 * @param maxConnectionsPerClient connections at once from one client (see {@link
 *     dev.impulse.http.ConnectionGuard})
 * @param headerTimeout time a connection has to send a whole request head
 * @param idleTimeout time an idle connection is kept open
 * @param maxStreams event streams and log reads open at once
 */
public record ApiSettings(
    String host,
    int port,
    Optional<Path> unixSocket,
    Optional<String> token,
    List<String> allowedHosts,
    int maxConnections,
    int maxConnectionsPerClient,
    Duration headerTimeout,
    Duration idleTimeout,
    int maxStreams) {
  public ApiSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(unixSocket, "unixSocket");
    Objects.requireNonNull(token, "token");
    allowedHosts = List.copyOf(allowedHosts);
    Objects.requireNonNull(headerTimeout, "headerTimeout");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
  }
}
