package dev.impulse.chamber;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

/**
 * The daemon's end of one stem cell's control path: a Unix socket the daemon listens on, bound into
 * the cell's container, which the cell's wrapper connects to once its imports are done. It says it
 * is ready (one line of JSON), then waits for the one line that specialises it.
 *
 * <p>Only the daemon and the cell's own wrapper can reach it: the socket file belongs to the cell's
 * user, in a directory of root's, and the listener accepts one connection and is closed at once, so
 * nothing connects again; the wrapper hangs up before it imports the function, which therefore
 * never holds the path. No caller of the chamber's port reaches it: it is not on the network.
 */
final class CellControl implements AutoCloseable {
  /** What the wrapper may say at most; its start-up timings are a few hundred bytes. */
  static final int MAX_LINE = 16 * 1024;

  private final ServerSocketChannel listener;
  private final Path path;
  private volatile SocketChannel connection;

  private CellControl(ServerSocketChannel listener, Path path) {
    this.listener = listener;
    this.path = path;
  }

  /** Listens at {@code path}, which only {@code uid} (the cell's user) and root may connect to. */
  static CellControl listen(Path path, int uid) throws IOException {
    Files.createDirectories(path.getParent());
    Files.deleteIfExists(path);
    ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      listener.bind(UnixDomainSocketAddress.of(path));
      Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(path, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException | RuntimeException e) {
      listener.close();
      Files.deleteIfExists(path);
      throw e;
    }
    return new CellControl(listener, path);
  }

  /**
   * Waits (at most {@code timeout}) for the wrapper to connect and say it is ready; returns what it
   * said. Throws when it does not, hangs up or says something else.
   */
  String awaitReady(Duration timeout) throws IOException {
    Thread timer =
        Thread.ofVirtual()
            .name("cell-ready-timeout")
            .start(() -> {
              try {
                Thread.sleep(timeout);
                close();
              } catch (InterruptedException e) {
                // ready in time
              }
            });
    try {
      SocketChannel accepted = listener.accept();
      connection = accepted;
      listener.close();
      Files.deleteIfExists(path);
      String line = readLine(accepted);
      if (!line.startsWith("{\"ready\"")) {
        throw new IOException("the cell's wrapper said something else than ready: " + line);
      }
      return line;
    } catch (java.nio.channels.ClosedChannelException e) {
      throw new IOException(
          "the cell's wrapper did not report ready within " + timeout.toMillis() + " ms", e);
    } finally {
      timer.interrupt();
    }
  }

  /** Sends the line that specialises the cell, then hangs up. */
  void specialise(byte[] line) throws IOException {
    SocketChannel c = connection;
    if (c == null) {
      throw new IOException("the cell's wrapper is not connected");
    }
    try (c) {
      ByteBuffer out = ByteBuffer.allocate(line.length + 1).put(line).put((byte) '\n').flip();
      while (out.hasRemaining()) {
        c.write(out);
      }
    }
  }

  /**
   * Blocks until the wrapper hangs up (its cell died) or this control is closed. It sends nothing
   * after ready, so any byte is treated as a hang-up too.
   */
  void awaitHangUp() {
    SocketChannel c = connection;
    if (c == null) {
      return;
    }
    try {
      c.read(ByteBuffer.allocate(1));
    } catch (IOException e) {
      // closed here or there: either way it is over
    }
  }

  private static String readLine(SocketChannel c) throws IOException {
    ByteBuffer in = ByteBuffer.allocate(MAX_LINE);
    while (in.hasRemaining()) {
      if (c.read(in) < 0) {
        throw new IOException("the cell's wrapper hung up before it was ready");
      }
      for (int i = 0; i < in.position(); i++) {
        if (in.get(i) == '\n') {
          return new String(in.array(), 0, i, StandardCharsets.UTF_8);
        }
      }
    }
    throw new IOException("the cell's wrapper said more than " + MAX_LINE + " bytes in one line");
  }

  @Override
  public void close() {
    try {
      listener.close();
      SocketChannel c = connection;
      if (c != null) {
        c.close();
      }
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // closing: nothing to do about it
    }
  }
}
