package dev.impulse.testing;

import dev.impulse.linux.Processes;
import dev.impulse.linux.Reaper;
import java.io.IOException;

/**
 * Makes the test JVM a child subreaper and reaps orphans every 100 ms: a daemon the tests kill
 * leaves its conmon processes to the nearest subreaper, which must reap them when they end.
 */
final class OrphanReaper {
  private final Reaper reaper = new Reaper();
  private Thread sweeper;

  synchronized void start() {
    if (sweeper != null) {
      return;
    }
    Processes.becomeChildSubreaper();
    sweeper =
        Thread.ofPlatform()
            .daemon()
            .name("test-orphan-reaper")
            .start(() -> {
              while (true) {
                reaper.sweep();
                try {
                  Thread.sleep(100);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
  }

  /** Starts a process whose exit status the sweep must leave to the JDK. */
  Process start(ProcessBuilder builder) throws IOException {
    return reaper.start(builder);
  }
}
