package dev.impulse.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * HTTP/1.1 by hand, for requests no well-behaved client sends (a foreign Host, an Origin, a
 * trickled head), for the API on a Unix socket, and for the benchmarks that time a start to its
 * first answer (the least a client can do: the JDK's and Apache's clients each added 4 to 6 ms of
 * their own to a pooled start on these 2 cores). One request per connection.
 */
public final class RawHttp {
  private final InetSocketAddress tcp;
  private final Path unix;

  /** Talks to a TCP address. */
  public RawHttp(InetSocketAddress tcp) {
    this.tcp = tcp;
    this.unix = null;
  }

  /** Talks to a Unix socket. */
  public RawHttp(Path unix) {
    this.tcp = null;
    this.unix = unix;
  }

  /** A response: status, raw head, body. */
  public record Response(int status, String headers, String body) {}

  /** Sends {@code request} (head and body as given) on a new connection and reads the answer. */
  public Response request(String request) {
    try {
      if (unix != null) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
          channel.connect(UnixDomainSocketAddress.of(unix));
          Channels.newOutputStream(channel).write(request.getBytes(StandardCharsets.UTF_8));
          return read(Channels.newInputStream(channel));
        }
      }
      try (Socket socket = new Socket()) {
        socket.connect(tcp, 5000);
        socket.setSoTimeout(30_000);
        socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        // The connection is this request's alone: its answer may be read through a buffer (a
        // byte at a time from the socket would cost a system call each, and the benchmarks time
        // starts with this).
        return read(new java.io.BufferedInputStream(socket.getInputStream()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("raw request failed", e);
    }
  }

  /** Sends {@code request} on a connected socket and reads the answer. */
  public static Response exchange(Socket socket, String request) throws IOException {
    socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
    socket.getOutputStream().flush();
    return read(socket.getInputStream());
  }

  private static Response read(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the connection closed before the answer's head ended: " + head);
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String headers = head.toString(StandardCharsets.ISO_8859_1);
    int status = Integer.parseInt(headers.substring(9, 12));
    String lower = headers.toLowerCase(Locale.ROOT);
    byte[] body;
    int length = lower.indexOf("\ncontent-length:");
    if (length >= 0) {
      int end = lower.indexOf('\r', length);
      int size = Integer.parseInt(headers.substring(length + 16, end).trim());
      body = in.readNBytes(size);
    } else if (lower.contains("\ntransfer-encoding: chunked")) {
      ByteArrayOutputStream chunks = new ByteArrayOutputStream();
      while (true) {
        String line = readLine(in);
        int size = Integer.parseInt(line.split(";")[0].trim(), 16);
        if (size == 0) {
          readLine(in);
          break;
        }
        chunks.write(in.readNBytes(size));
        readLine(in);
      }
      body = chunks.toByteArray();
    } else {
      body = in.readAllBytes();
    }
    return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }
}
