package dev.impulse.api;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps slow or greedy clients from using up the API's connections: no client address may hold more
 * than {@code maxPerClient} connections (more are closed as they open), and a connection that has
 * not sent a whole request head within {@code headerTimeout} of starting one (or of opening) is
 * closed, however slowly it trickles bytes (slowloris). A request in flight (its head read, its
 * answer not finished: an upload, an event stream) is never cut by this; its body and its idle time
 * are bounded by Jetty's own limits. The total number of connections is capped by Jetty's {@code
 * NetworkConnectionLimit}. Thread-safe.
 */
final class ConnectionGuard implements Connection.Listener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
  static final Duration SWEEP = Duration.ofMillis(500);
  static final Duration WARN_EVERY = Duration.ofSeconds(10);

  private final int maxPerClient;
  private final long headerTimeoutNanos;
  private final Map<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();
  private final Map<Connection, Watch> open = new ConcurrentHashMap<>();
  private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY.toNanos());
  private final ScheduledExecutorService sweeper =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("api-connection-guard").daemon().factory());

  /** What the guard knows of one connection. Changed only by the sweeper thread. */
  private static final class Watch {
    final InetAddress client;
    long messagesOut;
    long bytesAtIdle;

    /** When the connection began waiting for a request head (0: it is not waiting for one). */
    long waitingSince;

    Watch(InetAddress client, long openedNanos) {
      this.client = client;
      this.waitingSince = openedNanos;
    }
  }

  ConnectionGuard(int maxPerClient, Duration headerTimeout) {
    this.maxPerClient = maxPerClient;
    this.headerTimeoutNanos = headerTimeout.toNanos();
    sweeper.scheduleWithFixedDelay(
        this::sweepSafely, SWEEP.toMillis(), SWEEP.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void onOpened(Connection connection) {
    InetAddress client = clientOf(connection.getEndPoint().getRemoteSocketAddress());
    open.put(connection, new Watch(client, System.nanoTime()));
    if (client == null) {
      return; // a Unix socket: only local users the socket's mode admits can connect
    }
    int count = perClient.computeIfAbsent(client, c -> new AtomicInteger()).incrementAndGet();
    if (count > maxPerClient) {
      warn(
          "refusing a connection from {}: it holds {} already (--max-connections-per-client)",
          client.getHostAddress(),
          count - 1);
      connection.close();
    }
  }

  @Override
  public void onClosed(Connection connection) {
    Watch watch = open.remove(connection);
    if (watch != null && watch.client != null) {
      perClient.computeIfPresent(watch.client, (c, n) -> n.decrementAndGet() <= 0 ? null : n);
    }
  }

  /** How many connections one client address holds now. */
  int connectionsOf(InetAddress client) {
    AtomicInteger count = perClient.get(client);
    return count == null ? 0 : count.get();
  }

  private void sweepSafely() {
    try {
      sweep(System.nanoTime());
    } catch (RuntimeException e) {
      log.error("checking API connections failed; checking again in {} ms", SWEEP.toMillis(), e);
    }
  }

  /**
   * Closes connections that have been sending a request head for longer than the header timeout. A
   * connection waits for a head when no request is in flight on it and it has sent bytes since its
   * last answer (or it has just opened).
   */
  void sweep(long now) {
    for (Map.Entry<Connection, Watch> entry : open.entrySet()) {
      Connection connection = entry.getKey();
      Watch watch = entry.getValue();
      long in = connection.getMessagesIn();
      long out = connection.getMessagesOut();
      long bytes = connection.getBytesIn();
      if (in > out) {
        watch.waitingSince = 0; // a request is being served
        continue;
      }
      if (out != watch.messagesOut) {
        watch.messagesOut = out; // an answer finished: idle until new bytes arrive
        watch.bytesAtIdle = bytes;
        watch.waitingSince = 0;
        continue;
      }
      if (watch.waitingSince == 0 && bytes > watch.bytesAtIdle) {
        watch.waitingSince = now;
      }
      if (watch.waitingSince != 0 && now - watch.waitingSince > headerTimeoutNanos) {
        warn(
            "closing a connection from {}: no complete request head within {} ms"
                + " (--header-timeout-ms)",
            watch.client == null ? "the Unix socket" : watch.client.getHostAddress(),
            headerTimeoutNanos / 1_000_000);
        watch.waitingSince = 0; // closed now; Jetty's onClosed forgets it
        connection.close();
      }
    }
  }

  private void warn(String format, Object... args) {
    long now = System.nanoTime();
    long last = lastWarning.get();
    if (now - last >= WARN_EVERY.toNanos() && lastWarning.compareAndSet(last, now)) {
      log.warn(format + " (said at most every " + WARN_EVERY.toSeconds() + " s)", args);
    }
  }

  private static InetAddress clientOf(SocketAddress remote) {
    return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
  }
}
