package dev.impulse.skyhook;

import com.sun.net.httpserver.HttpServer;

/**
 * SIGTERM and SIGINT: stop accepting, let the requests in flight finish, exit with status 0.
 *
 * <p>The JVM's own handling would run shutdown hooks and exit with 143, and a guest's {@code
 * System.exit} runs the same hooks: a hook could not tell the daemon's stop from the guest's exit,
 * and waiting there for requests in flight would wait for the very call that exits. So the signals
 * are taken here with {@code sun.misc.Signal} (module jdk.unsupported, in every JRE since 9: one of
 * the critical internal APIs JEP 260 keeps open until they have a supported replacement). The
 * server's {@code stop} closes the listener and, on newer JDKs (25 here), returns once the
 * exchanges are done; JDK 17's waits out its whole delay, so {@link Requests} counts the exchanges
 * and the exit follows the last. The daemon's grace period bounds the wait; SIGKILL ends it.
 *
 * <p>javac warns of every mention of sun.misc (and has no switch to silence that warning under
 * {@code --release}), so it is named as few times as can be. A reflective proxy instead would cost
 * a cold start 30 ms.
 */
final class Stopper implements sun.misc.SignalHandler {
  private static final String[] SIGNALS = {"TERM", "INT"};

  /** Longer than any grace period the daemon gives; SIGKILL comes first. */
  private static final int STOP_DELAY_SECONDS = 3600;

  private final Requests requests;
  private volatile HttpServer server;

  Stopper(Requests requests) {
    this.requests = requests;
  }

  /** Takes SIGTERM and SIGINT from the JVM's default handling. */
  void install() {
    for (String name : SIGNALS) {
      sun.misc.Signal.handle(new sun.misc.Signal(name), this);
    }
  }

  /** The server a stop closes; before it is serving, a stop exits at once. */
  void serving(HttpServer server) {
    this.server = server;
  }

  @Override
  public void handle(sun.misc.Signal signal) {
    HttpServer serving = server;
    if (serving != null) {
      Thread closer = new Thread(new Closer(serving), "skyhook-stop");
      closer.setDaemon(true);
      closer.start();
      try {
        requests.awaitIdle();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    System.exit(0);
  }

  private static final class Closer implements Runnable {
    private final HttpServer server;

    Closer(HttpServer server) {
      this.server = server;
    }

    @Override
    public void run() {
      server.stop(STOP_DELAY_SECONDS);
    }
  }
}
