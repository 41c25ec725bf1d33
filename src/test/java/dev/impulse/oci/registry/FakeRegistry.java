package dev.impulse.oci.registry;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * An HTTP server on a loopback address playing a registry, a token server or a storage service:
 * answers are set per method and path, and every request is recorded with its headers and body.
 */
final class FakeRegistry implements AutoCloseable {
  /** A request as the server saw it. */
  record Seen(String method, String path, Optional<String> query, Headers headers, byte[] body) {
    Optional<String> header(String name) {
      return Optional.ofNullable(headers.getFirst(name));
    }
  }

  /** Answers one request. */
  @FunctionalInterface
  interface Answer {
    void answer(HttpExchange exchange) throws IOException;
  }

  private final HttpServer server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();

  FakeRegistry() {
    this("127.0.0.1");
  }

  /** A server on {@code address} (any of 127.0.0.0/8 works on Linux), on a free port. */
  FakeRegistry(String address) {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  /** {@code address:port}, as a reference names a registry. */
  String host() {
    return server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
  }

  String url(String path) {
    return "http://" + host() + path;
  }

  FakeRegistry on(String method, String path, Answer answer) {
    answers.put(method + " " + path, answer);
    return this;
  }

  List<Seen> seen() {
    return List.copyOf(seen);
  }

  List<Seen> seen(String method, String path) {
    return seen.stream().filter(s -> s.method().equals(method) && s.path().equals(path)).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      seen.add(
          new Seen(
              method,
              path,
              Optional.ofNullable(exchange.getRequestURI().getRawQuery()),
              exchange.getRequestHeaders(),
              body));
      Answer answer = answers.get(method + " " + path);
      if (answer == null) {
        send(exchange, 404, Map.of(), error("NAME_UNKNOWN", "no such path in the fake"));
      } else {
        answer.answer(exchange);
      }
    }
  }

  /** Sends {@code body} with {@code status} and {@code headers}; a HEAD gets no body. */
  static void send(HttpExchange exchange, int status, Map<String, String> headers, byte[] body)
      throws IOException {
    headers.forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  static Answer answer(int status, Map<String, String> headers, byte[] body) {
    return exchange -> send(exchange, status, headers, body);
  }

  static Answer answer(int status, Map<String, String> headers, String body) {
    return answer(status, headers, body.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] error(String code, String message) {
    return ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
