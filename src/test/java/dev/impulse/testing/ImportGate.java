package dev.impulse.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Holds the starts of chambers running {@link Functions#importHeldAtGate}: each guest's import
 * connects here, says its chamber's id and waits until the gate opens. So a test knows which starts
 * are under way, and that they stay so until it says otherwise. Listens in a test's own "internet"
 * namespace (a chamber reaches nothing of the host); closing it opens the gate for any guest still
 * waiting.
 */
public final class ImportGate implements AutoCloseable {
  private final ServerSocket server;
  private final Thread acceptor;
  private final Map<String, Integer> arrivals = new LinkedHashMap<>();
  private final List<Socket> waiting = new ArrayList<>();
  private boolean open;

  private final InetAddress address;

  public ImportGate(InternetFixture internet) {
    this.address = internet.address();
    server = internet.inside(() -> new ServerSocket(0, 50, address));
    acceptor = Thread.ofVirtual().name("import-gate").start(this::accept);
  }

  /** The address the guests connect to. */
  public String host() {
    return address.getHostAddress();
  }

  /** The port the guests connect to. */
  public int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      Socket guest;
      try {
        guest = server.accept();
      } catch (IOException closed) {
        return;
      }
      Thread.ofVirtual().start(() -> arrive(guest));
    }
  }

  private void arrive(Socket guest) {
    String id;
    try {
      guest.setSoTimeout(10_000);
      id = readLine(guest);
    } catch (IOException e) {
      closeQuietly(guest);
      return;
    }
    synchronized (this) {
      arrivals.merge(id, 1, Integer::sum);
      if (open) {
        closeQuietly(guest);
      } else {
        waiting.add(guest);
      }
      notifyAll();
    }
  }

  private static String readLine(Socket socket) throws IOException {
    java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
    var in = socket.getInputStream();
    for (int i = 0; i < 200; i++) {
      int b = in.read();
      if (b < 0 || b == '\n') {
        break;
      }
      line.write(b);
    }
    return line.toString(StandardCharsets.UTF_8);
  }

  /** Waits until the guests of all of {@code ids} wait at the gate; fails after {@code timeout}. */
  public synchronized void awaitWaiting(Set<String> ids, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!arrivals.keySet().containsAll(ids)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        Set<String> missing = new HashSet<>(ids);
        missing.removeAll(arrivals.keySet());
        throw new AssertionError(
            "the imports of " + missing + " never reached the gate within " + timeout);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** How many times each chamber's guest reached the gate: once per start of its container. */
  public synchronized Map<String, Integer> arrivals() {
    return Map.copyOf(arrivals);
  }

  /** Lets every waiting guest finish its import, and any that comes later pass at once. */
  public synchronized void open() {
    open = true;
    for (Socket guest : waiting) {
      try {
        guest.getOutputStream().write('o');
      } catch (IOException gone) {
        // its chamber ended: nothing waits there any more
      }
      closeQuietly(guest);
    }
    waiting.clear();
  }

  @Override
  public void close() {
    open();
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    acceptor.interrupt();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }
}
