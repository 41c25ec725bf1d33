package dev.impulse.cli;

import dev.impulse.daemon.DaemonConfig;
import dev.impulse.daemon.Defaults;
import dev.impulse.daemon.ServiceConfig;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The function service's options (the edge proxy, deployments' queues); a mixin of {@link
 * DaemonOptions}.
 */
final class ServiceOptions {
  @Option(
      names = "--proxy-listen",
      defaultValue = "${env:IMPULSE_PROXY_LISTEN:-" + Defaults.PROXY_LISTEN + "}",
      description =
          "HOST:PORT the edge proxy listens on: /APP/PATH calls APP's deployment (default:"
              + " ${DEFAULT-VALUE})")
  String proxyListen;

  @Option(
      names = "--activation-timeout-ms",
      defaultValue = "${env:IMPULSE_ACTIVATION_TIMEOUT_MS:-" + Defaults.ACTIVATION_TIMEOUT_MS + "}",
      description =
          "How long a call waits for a chamber with room (a scale from zero, say) before a 504"
              + " (default: ${DEFAULT-VALUE})")
  long activationTimeoutMs;

  @Option(
      names = "--queue-length",
      defaultValue = "${env:IMPULSE_QUEUE_LENGTH:-" + Defaults.QUEUE_LENGTH + "}",
      description =
          "Calls at most waiting per deployment; more get a 429 with Retry-After (default:"
              + " ${DEFAULT-VALUE})")
  int queueLength;

  @Option(
      names = "--proxy-max-connections",
      defaultValue = "${env:IMPULSE_PROXY_MAX_CONNECTIONS:-" + Defaults.PROXY_MAX_CONNECTIONS + "}",
      description = "Client connections to the edge proxy at once (default: ${DEFAULT-VALUE})")
  int proxyMaxConnections;

  @Option(
      names = "--proxy-timeout-ms",
      defaultValue = "${env:IMPULSE_PROXY_TIMEOUT_MS:-" + Defaults.PROXY_TIMEOUT_MS + "}",
      description =
          "How long a function may send nothing in the middle of a call before the proxy answers"
              + " 504 (default: ${DEFAULT-VALUE})")
  long proxyTimeoutMs;

  ServiceConfig toConfig() {
    return new ServiceConfig(
        DaemonConfig.Listen.parse(proxyListen),
        Duration.ofMillis(activationTimeoutMs),
        queueLength,
        proxyMaxConnections,
        Duration.ofMillis(proxyTimeoutMs));
  }
}
