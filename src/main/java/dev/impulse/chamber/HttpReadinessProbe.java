package dev.impulse.chamber;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.IntFunction;

/**
 * Probes {@code GET /healthz} with one HTTP/1.0 request per connection. A pooling client (the
 * JDK's) would keep a connection open to every chamber, and each idle connection costs the wrapper
 * a thread; this probe opens, asks, reads the status line and closes. Thread-safe.
 */
public final class HttpReadinessProbe implements ReadinessProbe {
  private static final byte[] REQUEST =
      "GET /healthz HTTP/1.0\r\nHost: skyhook\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private static final long MAX_RESPONSE = 4096;

  private final IntFunction<InetSocketAddress> wrappers;
  private final int timeoutMillis;

  /**
   * Probes the wrapper of the chamber on a port where {@code wrappers} says it listens (its own
   * address with bridge networking, the port itself with host networking), giving each probe {@code
   * timeout}.
   */
  public HttpReadinessProbe(IntFunction<InetSocketAddress> wrappers, Duration timeout) {
    this.wrappers = wrappers;
    this.timeoutMillis = Math.toIntExact(timeout.toMillis());
  }

  @Override
  public boolean isReady(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(wrappers.apply(port), timeoutMillis);
      socket.setSoTimeout(timeoutMillis);
      OutputStream out = socket.getOutputStream();
      out.write(REQUEST);
      out.flush();
      InputStream in = socket.getInputStream();
      boolean ok = statusLine(in).matches("HTTP/1\\.[01] 200( .*)?");
      // Read the rest (a few bytes): hanging up first would leave the wrapper writing to a closed
      // socket.
      in.skip(MAX_RESPONSE);
      return ok;
    } catch (IOException e) {
      return false;
    }
  }

  private static String statusLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n' && line.length() < 200) {
      line.append((char) c);
    }
    return line.toString().strip();
  }
}
