package dev.impulse.http;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
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
 * Keeps slow or greedy clients from using up the API's connections: no client may hold more than
 * {@code maxPerClient} connections (more are closed as they open), and a connection that has not
 * sent a whole request head within {@code headerTimeout} of starting one (or of opening) is closed,
 * however slowly it trickles bytes (slowloris). A request in flight (its head read, its answer not
 * finished: an upload, an event stream) is never cut by this; its body and its idle time are
 * bounded by Jetty's own limits. The total number of connections is capped by Jetty's {@code
 * NetworkConnectionLimit}.
 *
 * <p>A client is an IPv4 address or an IPv6 /64 (the block one host is usually given, and can pick
 * addresses from at will); all loopback addresses (127.0.0.0/8, ::1) are one client, since anyone
 * on the machine can connect from any of them. Thread-safe.
 */
public final class ConnectionGuard implements Connection.Listener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
  static final Duration SWEEP = Duration.ofMillis(500);
  static final Duration WARN_EVERY = Duration.ofSeconds(10);
  private static final InetAddress LOOPBACK = address(new byte[] {127, 0, 0, 1});

  private final int maxPerClient;
  private final long headerTimeoutNanos;
  private final Map<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();
  private final Map<Connection, Watch> open = new ConcurrentHashMap<>();
  private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY.toNanos());
  private final ScheduledExecutorService sweeper =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("connection-guard").daemon().factory());

  /** What the guard knows of one connection. Changed only by the sweeper thread. */
  private static final class Watch {
    /** Who it counts against ({@link #clientOf}); null on a Unix socket. */
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

  public ConnectionGuard(int maxPerClient, Duration headerTimeout) {
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
          describe(client),
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

  /** How many connections the client of {@code address} holds now. */
  int connectionsOf(InetAddress address) {
    AtomicInteger count = perClient.get(clientOf(address));
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
            watch.client == null ? "the Unix socket" : describe(watch.client),
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
    return remote instanceof InetSocketAddress inet ? clientOf(inet.getAddress()) : null;
  }

  /** The client {@code address} counts as: itself, its /64 (IPv6), or loopback as a whole. */
  static InetAddress clientOf(InetAddress address) {
    if (address.isLoopbackAddress()) {
      return LOOPBACK;
    }
    if (address instanceof Inet6Address) {
      byte[] bytes = address.getAddress();
      Arrays.fill(bytes, 8, 16, (byte) 0);
      return address(bytes);
    }
    return address;
  }

  private static String describe(InetAddress client) {
    if (client.equals(LOOPBACK)) {
      return "loopback (127.0.0.0/8 and ::1)";
    }
    return client instanceof Inet6Address
        ? client.getHostAddress() + "/64"
        : client.getHostAddress();
  }

  private static InetAddress address(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an address: " + Arrays.toString(bytes), e);
    }
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
  }
}
