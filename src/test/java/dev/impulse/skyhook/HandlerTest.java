package dev.impulse.skyhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The wrapper's HTTP as a caller sees it, on a real socket at a free port. */
class HandlerTest {
  private static final long MAX_BODY = 1000;

  private HttpServer server;
  private int port;

  /** Echoes what it got, or fails as the request asks it to. */
  public static final class Echo implements BiFunction<Object, Map<String, Object>, Object> {
    @Override
    public Object apply(Object request, Map<String, Object> meta) {
      if ("throw".equals(request)) {
        throw new IllegalStateException("asked to");
      }
      if ("error".equals(request)) {
        throw new StackOverflowError();
      }
      if ("not json".equals(request)) {
        return new Object();
      }
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("got", request);
      answer.put("meta", meta);
      answer.put("loader", Thread.currentThread().getContextClassLoader() == LOADER);
      return answer;
    }
  }

  private static final ClassLoader LOADER = new ClassLoader(null) {};

  @BeforeEach
  void start() throws IOException {
    Timings timings = new Timings();
    timings.mark("started", 1.5);
    Map<String, String> identity = new LinkedHashMap<>();
    identity.put("chamber_id", "c-1");
    identity.put("app", "demo");
    identity.put("version", "1");
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext(
        "/", new Handler(new GuestLoader.Guest(new Echo(), LOADER), identity, timings, MAX_BODY));
    server.setExecutor(new Requests());
    server.start();
    port = server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private record Answer(int status, String head, String body) {}

  /** Sends {@code request} on a new connection and reads the answer by its Content-Length. */
  private Answer send(String request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      int length = request.startsWith("HEAD ") ? 0 : contentLength(head);
      return new Answer(
          Integer.parseInt(head.substring(9, 12)),
          head.strip(),
          new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }
  }

  private static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        return Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    return 0;
  }

  private Answer post(String path, String body, String... headers) throws IOException {
    return send(
        "POST "
            + path
            + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            + String.join("", java.util.Arrays.stream(headers).map(h -> h + "\r\n").toList())
            + "Content-Length: "
            + body.getBytes(StandardCharsets.UTF_8).length
            + "\r\n\r\n"
            + body);
  }

  @Test
  void aPostCallsTheFunctionWithTheRequestAndMeta() throws IOException {
    Answer answer = post("/n?i=1", "{\"name\": \"é\"}", "X-Request-ID: abc", "x-other: 1");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.head())
        .containsIgnoringCase("content-type: application/json")
        .containsIgnoringCase("server: skyhook")
        .containsIgnoringCase(
            "content-length: " + answer.body().getBytes(StandardCharsets.UTF_8).length);
    assertThat(answer.body())
        .startsWith(
            "{\"got\":{\"name\":\"é\"},\"meta\":{\"chamber_id\":\"c-1\",\"app\":\"demo\","
                + "\"version\":\"1\",\"path\":\"/n?i=1\",\"method\":\"POST\",\"headers\":{")
        .contains("\"X-Request-Id\":\"abc\"", "\"X-Other\":\"1\"", "\"Content-Length\":\"14\"")
        .endsWith(",\"loader\":true}");
  }

  @Test
  void headersAreLookedUpInAnySpelling() {
    com.sun.net.httpserver.Headers given = new com.sun.net.httpserver.Headers();
    given.add("x-trace", "a");
    given.add("X-TRACE", "b");
    Map<String, Object> headers = Handler.headers(given);
    assertThat(headers).containsEntry("x-trace", "a, b").containsEntry("X-Trace", "a, b");
    assertThat(headers.keySet()).containsExactly("X-Trace");
    assertThat(Handler.canonical("content-TYPE")).isEqualTo("Content-Type");
  }

  @Test
  void anEmptyOrBlankBodyIsTheRequestNull() throws IOException {
    assertThat(post("/", "").body()).startsWith("{\"got\":null,");
    assertThat(post("/", " \r\n\t").body()).startsWith("{\"got\":null,");
  }

  @Test
  void aChunkedBodyIsReadWhole() throws IOException {
    Answer answer =
        send(
            "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "4\r\n{\"a\"\r\n6;ext=1\r\n:[1,2]\r\n1\r\n}\r\n0\r\n\r\n");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).startsWith("{\"got\":{\"a\":[1,2]},");
  }

  @Test
  void aBodyThatIsNotJsonIs400() throws IOException {
    Answer answer = post("/", "{nope");
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.body())
        .isEqualTo(
            "{\"error\":\"InvalidJSON\",\"message\":\"request body is not JSON: expecting a name in"
                + " double quotes: line 1 column 2 (char 1)\"}");
  }

  @Test
  void aBodyOverTheLimitIs413AndTheConnectionCloses() throws IOException {
    Answer declared = send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n{}");
    assertThat(declared.status()).isEqualTo(413);
    assertThat(declared.head()).containsIgnoringCase("connection: close");
    assertThat(declared.body()).contains("\"error\":\"PayloadTooLarge\"", "body over 1000 bytes");
    String chunk = Integer.toHexString(1001) + "\r\n" + "1".repeat(1001) + "\r\n0\r\n\r\n";
    Answer chunked =
        send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk);
    assertThat(chunked.status()).isEqualTo(413);
    assertThat(post("/", "1".repeat(1000)).status()).as("at the limit").isEqualTo(200);
  }

  @Test
  void aFunctionThatThrowsIs500NamingTheThrowable() throws IOException {
    Answer thrown = post("/", "\"throw\"");
    assertThat(thrown.status()).isEqualTo(500);
    assertThat(thrown.body())
        .isEqualTo("{\"error\":\"java.lang.IllegalStateException\",\"message\":\"asked to\"}");
    Answer error = post("/", "\"error\"");
    assertThat(error.status()).isEqualTo(500);
    assertThat(error.body())
        .isEqualTo("{\"error\":\"java.lang.StackOverflowError\",\"message\":\"\"}");
  }

  @Test
  void aResultThatIsNotJsonIs500() throws IOException {
    Answer answer = post("/", "\"not json\"");
    assertThat(answer.status()).isEqualTo(500);
    assertThat(answer.body())
        .isEqualTo(
            "{\"error\":\"java.lang.IllegalArgumentException\","
                + "\"message\":\"result of type java.lang.Object is not JSON\"}");
  }

  @Test
  void healthzAnswersWithTheTimings() throws IOException {
    Answer answer = send("GET /healthz?x=1 HTTP/1.0\r\n\r\n");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("{\"status\":\"ok\",\"timings\":{\"started\":1.5}}");
  }

  @Test
  void otherMethodsAre405WithAllowAndUnknownOnes501() throws IOException {
    Answer get = send("GET / HTTP/1.0\r\n\r\n");
    assertThat(get.status()).isEqualTo(405);
    assertThat(get.head()).containsIgnoringCase("allow: POST");
    assertThat(get.body())
        .isEqualTo("{\"error\":\"MethodNotAllowed\",\"message\":\"call the function with POST\"}");
    assertThat(send("DELETE /x HTTP/1.0\r\n\r\n").status()).isEqualTo(405);
    Answer head = send("HEAD / HTTP/1.0\r\n\r\n");
    assertThat(head.status()).isEqualTo(405);
    assertThat(head.body()).isEmpty();
    Answer brew = send("BREW / HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(brew.status()).isEqualTo(501);
    assertThat(brew.head()).containsIgnoringCase("connection: close");
    assertThat(brew.body()).contains("\"error\":\"NotImplemented\"");
  }

  @Test
  void aKeptAliveConnectionCarriesCallAfterCall() throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      for (int i = 0; i < 3; i++) {
        String body = "[" + i + "]";
        out.write(
            ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String head = readHead(in);
        assertThat(head).startsWith("HTTP/1.1 200");
        int length = contentLength(head);
        assertThat(new String(in.readNBytes(length), StandardCharsets.UTF_8))
            .startsWith("{\"got\":[" + i + "],");
      }
    }
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed after " + head);
      }
      head.append((char) c);
    }
    return head.toString();
  }
}
