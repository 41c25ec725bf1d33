package dev.impulse.skyhook;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Answers every request on the chamber's port: a POST calls the function, {@code GET /healthz}
 * reports the wrapper's timings, any other known method is 405 and an unknown one 501. Every answer
 * is JSON. Thread-safe: it holds nothing a call changes.
 */
final class Handler implements HttpHandler {
  private static final String[] KNOWN_METHODS = {
    "GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"
  };

  private final GuestLoader.Guest guest;
  private final Map<String, String> identity;
  private final Timings timings;
  private final long maxBody;

  /**
   * Calls {@code guest} with {@code identity} (chamber_id, app, version) in every call's meta,
   * refusing bodies over {@code maxBody} bytes.
   */
  Handler(GuestLoader.Guest guest, Map<String, String> identity, Timings timings, long maxBody) {
    this.guest = guest;
    this.identity = new LinkedHashMap<>(identity);
    this.timings = timings;
    this.maxBody = maxBody;
  }

  @Override
  public void handle(HttpExchange exchange) {
    try {
      answer(exchange);
    } catch (IOException e) {
      // the client hung up, inside its body or before the answer: nothing to answer
    } finally {
      exchange.close();
    }
  }

  private void answer(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    if (method.equals("POST")) {
      post(exchange);
    } else if (method.equals("GET") && "/healthz".equals(exchange.getRequestURI().getRawPath())) {
      Map<String, Object> health = new LinkedHashMap<>();
      health.put("status", "ok");
      health.put("timings", timings.snapshot());
      send(exchange, 200, JsonWriter.write(health), false);
    } else if (known(method)) {
      exchange.getResponseHeaders().set("Allow", "POST");
      send(exchange, 405, error("MethodNotAllowed", "call the function with POST"), false);
    } else {
      send(exchange, 501, error("NotImplemented", "unsupported method"), true);
    }
  }

  private void post(HttpExchange exchange) throws IOException {
    long declared = declaredLength(exchange.getRequestHeaders());
    if (declared > maxBody) {
      tooLarge(exchange); // unread: the connection closes after the answer
      return;
    }
    InputStream in = exchange.getRequestBody();
    byte[] body;
    if (declared >= 0) {
      body = in.readNBytes((int) declared);
      if (body.length < declared) {
        return; // the client hung up inside the body
      }
    } else { // chunked: read up to one byte past the bound
      body = in.readNBytes((int) Math.min(maxBody + 1, Integer.MAX_VALUE - 8));
      if (body.length > maxBody) {
        tooLarge(exchange);
        return;
      }
    }
    Object request;
    try {
      request = blank(body) ? null : JsonReader.read(body);
    } catch (JsonReader.MalformedJson e) {
      send(
          exchange,
          400,
          error("InvalidJSON", "request body is not JSON: " + e.getMessage()),
          false);
      return;
    }
    call(exchange, request);
  }

  private void call(HttpExchange exchange, Object request) throws IOException {
    Map<String, Object> meta = new LinkedHashMap<>(identity);
    meta.put("path", exchange.getRequestURI().toString());
    meta.put("method", "POST");
    meta.put("headers", headers(exchange.getRequestHeaders()));
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(guest.loader());
    int status;
    byte[] payload;
    try {
      payload = JsonWriter.write(guest.function().apply(request, meta));
      status = 200;
    } catch (Throwable thrown) { // Errors too: a guest's StackOverflowError must not end the call
      status = 500;
      payload = thrownBy(thrown);
    } finally {
      thread.setContextClassLoader(previous);
    }
    send(exchange, status, payload, false);
  }

  /** The 500's body, its stack trace on stderr; a guest's throwable that throws itself is named. */
  private static byte[] thrownBy(Throwable thrown) {
    try {
      thrown.printStackTrace();
      String message = thrown.getMessage();
      return error(thrown.getClass().getName(), message == null ? "" : message);
    } catch (Throwable worse) {
      return error(thrown.getClass().getName(), "");
    }
  }

  /**
   * The request's headers for the function's meta. The JDK's server keeps no client's spelling of a
   * name: each is given in its usual form ({@code Content-Type}, {@code X-Request-Id}) and looked
   * up in any case; values of a repeated name are joined with ", ".
   */
  static Map<String, Object> headers(Headers given) {
    Map<String, Object> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (Map.Entry<String, List<String>> header : given.entrySet()) {
      headers.put(canonical(header.getKey()), String.join(", ", header.getValue()));
    }
    return headers;
  }

  /** {@code content-type} as {@code Content-Type}: each word capitalised. */
  static String canonical(String name) {
    char[] chars = name.toLowerCase(Locale.ROOT).toCharArray();
    boolean wordStart = true;
    for (int i = 0; i < chars.length; i++) {
      if (wordStart) {
        chars[i] = Character.toUpperCase(chars[i]);
      }
      wordStart = chars[i] == '-';
    }
    return new String(chars);
  }

  private static long declaredLength(Headers headers) {
    String length = headers.getFirst("Content-Length");
    if (length == null) {
      return headers.containsKey("Transfer-Encoding") ? -1 : 0;
    }
    try {
      return Long.parseLong(length.trim()); // the server refused what is not a number
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  private void tooLarge(HttpExchange exchange) throws IOException {
    send(exchange, 413, error("PayloadTooLarge", "body over " + maxBody + " bytes"), true);
  }

  /** Python's bytes.strip(): a body of ASCII white space only is no body. */
  private static boolean blank(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r' && b != 0x0b && b != 0x0c) {
        return false;
      }
    }
    return true;
  }

  private static boolean known(String method) {
    for (String known : KNOWN_METHODS) {
      if (known.equals(method)) {
        return true;
      }
    }
    return false;
  }

  static byte[] error(String error, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", error);
    body.put("message", message);
    return JsonWriter.write(body);
  }

  private static void send(HttpExchange exchange, int status, byte[] body, boolean close)
      throws IOException {
    Headers headers = exchange.getResponseHeaders();
    headers.set("Server", "skyhook");
    headers.set("Content-Type", "application/json");
    if (close) {
      headers.set("Connection", "close");
    }
    if (exchange.getRequestMethod().equals("HEAD")) {
      headers.set("Connection", "close");
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
