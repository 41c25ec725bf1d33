package dev.impulse.daemon;

import java.time.Duration;

/**
 * The function service's settings: the edge proxy's listener and the deployments' bounds.
 *
 * @param listen where the edge proxy listens ({@code HOST:PORT}; port 0: any free one)
 * @param activationTimeout how long a request waits for a chamber with room before a 504
 * @param queueLength requests at most waiting per deployment; more get a 429
 * @param maxConnections client connections to the proxy at once
 * @param upstreamTimeout how long a chamber may send nothing in the middle of a request (504)
 */
public record ServiceConfig(
    DaemonConfig.Listen listen,
    Duration activationTimeout,
    int queueLength,
    int maxConnections,
    Duration upstreamTimeout) {

  public ServiceConfig {
    if (listen.unixSocket().isPresent()) {
      throw new IllegalArgumentException("--proxy-listen must be HOST:PORT, not a Unix socket");
    }
    bound("--activation-timeout-ms", activationTimeout.toMillis(), 100, 3_600_000);
    // At least 1: a deployment at zero chambers starts one for a call that waits.
    bound("--queue-length", queueLength, 1, 100_000);
    bound("--proxy-max-connections", maxConnections, 8, 1_000_000);
    bound("--proxy-timeout-ms", upstreamTimeout.toMillis(), 100, 86_400_000);
  }

  /** The documented defaults. */
  public static ServiceConfig defaults() {
    return new ServiceConfig(
        DaemonConfig.Listen.parse(Defaults.PROXY_LISTEN),
        Duration.ofMillis(Long.parseLong(Defaults.ACTIVATION_TIMEOUT_MS)),
        Integer.parseInt(Defaults.QUEUE_LENGTH),
        Integer.parseInt(Defaults.PROXY_MAX_CONNECTIONS),
        Duration.ofMillis(Long.parseLong(Defaults.PROXY_TIMEOUT_MS)));
  }

  private static void bound(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name + " must be between " + min + " and " + max + ", not " + value);
    }
  }
}
