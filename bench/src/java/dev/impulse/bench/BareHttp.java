package dev.impulse.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 exchange on a connection of its own, on a plain socket: the request written in one
 * piece, the answer read to the server's close. The least a client can do, for the scenarios that
 * time a start to the first answer in milliseconds: the JDK's {@code HttpClient} and Apache's
 * classic client each added 4 to 6 ms of their own to a pooled start on these 2 cores (their
 * connection set-up for a new port, thread hand-overs), which is not the daemon's time. Only for
 * loopback servers this harness started; answers are bounded.
 */
final class BareHttp {
  static final int MAX_ANSWER = 1 << 20;

  record Answer(int status, String body) {}

  private BareHttp() {}

  static Answer send(
      int port,
      String method,
      String path,
      Map<String, String> headers,
      String body,
      Duration timeout)
      throws IOException {
    byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head =
        new StringBuilder(method)
            .append(' ')
            .append(path)
            .append(" HTTP/1.1\r\nHost: 127.0.0.1:")
            .append(port)
            .append("\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ")
            .append(content.length)
            .append("\r\n");
    headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("\r\n");
    byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] request = new byte[h.length + content.length];
    System.arraycopy(h, 0, request, 0, h.length);
    System.arraycopy(content, 0, request, h.length, content.length);
    try (Socket socket = new Socket()) {
      socket.setTcpNoDelay(true);
      socket.connect(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      return parse(readAll(socket.getInputStream()));
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    for (int n; (n = in.read(buffer)) >= 0; ) {
      all.write(buffer, 0, n);
      if (all.size() > MAX_ANSWER) {
        throw new IOException("an answer over " + MAX_ANSWER + " bytes");
      }
    }
    return all.toByteArray();
  }

  static Answer parse(byte[] raw) throws IOException {
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.") || end < 0 || text.length() < 12) {
      throw new IOException(
          "not an HTTP answer: " + text.substring(0, Math.min(80, text.length())));
    }
    int status = Integer.parseInt(text.substring(9, 12));
    String headers = text.substring(0, end).toLowerCase(Locale.ROOT);
    byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
    if (headers.contains("\r\ntransfer-encoding: chunked")) {
      body = unchunk(body);
    }
    return new Answer(status, new String(body, StandardCharsets.UTF_8));
  }

  private static byte[] unchunk(byte[] chunked) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String s = new String(chunked, StandardCharsets.ISO_8859_1);
    int at = 0;
    while (true) {
      int line = s.indexOf("\r\n", at);
      if (line < 0) {
        throw new IOException("a chunked answer cut short");
      }
      int size = Integer.parseInt(s.substring(at, line).split(";", 2)[0].trim(), 16);
      if (size == 0) {
        return body.toByteArray();
      }
      if (line + 2 + size > chunked.length) {
        throw new IOException("a chunked answer cut short");
      }
      body.write(chunked, line + 2, size);
      at = line + 2 + size + 2;
    }
  }
}
