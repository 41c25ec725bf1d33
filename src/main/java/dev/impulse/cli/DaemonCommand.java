package dev.impulse.cli;

import dev.impulse.daemon.Daemon;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code impulse daemon}: serves the API in the foreground, logging to stdout, until SIGTERM or
 * SIGINT; then stops serving and leaves chambers running.
 */
@Command(
    name = "daemon",
    mixinStandardHelpOptions = true,
    description = "Run the impulse daemon in the foreground.")
final class DaemonCommand implements Callable<Integer> {
  @Mixin DaemonOptions options;

  @Override
  public Integer call() throws InterruptedException {
    Daemon daemon = Daemon.start(options.toConfig());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  daemon.close();
                  stopped.countDown();
                },
                "shutdown"));
    stopped.await();
    return 0;
  }
}
