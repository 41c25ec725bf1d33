package dev.impulse.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.RawHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The wrappers' HTTP, spoken by hand on a chamber's port: what any caller may send it, well-formed
 * or not, and what it answers. One contract for every language's wrapper; a subclass gives the
 * runtime and an echo guest of its language, whose function raises an error with the message "no
 * such thing" when the request is the string "raise".
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WrapperHttpContract {
  static final ObjectMapper JSON = new ObjectMapper();
  DaemonFixture impulse;
  int port;

  /** The runtime the wrapper runs on. */
  abstract String runtime();

  /** The echo guest: {"got": request, "path": meta path, "method": meta method}. */
  abstract byte[] echoGuest();

  /** The name the guest's raised error is answered with. */
  abstract String raisedError();

  @BeforeAll
  void start() {
    DaemonFixture.buildBaseimages(runtime());
    impulse = DaemonFixture.start();
    impulse.upload("echo", "1", echoGuest());
    JsonNode created = impulse.create("echo", "1", runtime());
    impulse.awaitStatus(created.get("id").asText(), "RUNNING");
    port = created.get("port").asInt();
  }

  @AfterAll
  void stop() {
    impulse.close();
  }

  RawHttp.Response send(String request) {
    return new RawHttp(new InetSocketAddress("127.0.0.1", port)).request(request);
  }

  static JsonNode json(RawHttp.Response response) throws IOException {
    return JSON.readTree(response.body());
  }

  static String post(String path, String body, String... headers) {
    return "POST "
        + path
        + " HTTP/1.1\r\nHost: x\r\n"
        + String.join("", java.util.Arrays.stream(headers).map(h -> h + "\r\n").toList())
        + "Content-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length
        + "\r\n\r\n"
        + body;
  }

  @Test
  void aKeptAliveConnectionCarriesCallAfterCall() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      for (int i = 0; i < 3; i++) {
        RawHttp.Response answer = RawHttp.exchange(socket, post("/n?i=" + i, "{\"n\":" + i + "}"));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(json(answer).get("got").get("n").asInt()).isEqualTo(i);
        assertThat(json(answer).get("path").asText()).isEqualTo("/n?i=" + i);
        assertThat(answer.headers()).containsIgnoringCase("content-type: application/json");
      }
    }
  }

  @Test
  void aChunkedBodyIsReadWhole() throws IOException {
    RawHttp.Response answer =
        send(
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "4\r\n{\"a\"\r\n6;ext=1\r\n:[1,2]\r\n1\r\n}\r\n0\r\n\r\n");
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(json(answer).get("got").get("a").toString()).isEqualTo("[1,2]");
  }

  @Test
  void expectContinueIsAnsweredBeforeTheBodyIsSent() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 7\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      StringBuilder interim = new StringBuilder(); // its head only: some servers add headers
      while (!interim.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        assertThat(b).as("the connection closed inside the interim answer").isNotNegative();
        interim.append((char) b);
      }
      assertThat(interim.toString()).startsWith("HTTP/1.1 100");
      RawHttp.Response answer = RawHttp.exchange(socket, "{\"e\":1}");
      assertThat(answer.status()).isEqualTo(200);
      assertThat(json(answer).get("got").get("e").asInt()).isEqualTo(1);
    }
  }

  @Test
  void aBodyOverTheLimitIsRefusedUnread() {
    RawHttp.Response answer =
        send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 16777217\r\n\r\n{}");
    assertThat(answer.status()).isEqualTo(413);
  }

  @Test
  void whatIsNotJsonOrNotALengthIsABadRequest() throws IOException {
    RawHttp.Response notJson = send(post("/", "{nope"));
    assertThat(notJson.status()).isEqualTo(400);
    assertThat(json(notJson).get("error").asText()).isEqualTo("InvalidJSON");
    RawHttp.Response badLength = send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n");
    assertThat(badLength.status()).isEqualTo(400);
    RawHttp.Response both =
        send(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\n");
    assertThat(both.status()).as("a body with two lengths is refused").isEqualTo(400);
  }

  @Test
  void aMalformedRequestIsABadRequestAndItsConnectionCloses() {
    RawHttp.Response answer = send("NONSENSE\r\n\r\n");
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.headers()).containsIgnoringCase("connection: close");
  }

  @Test
  void anOversizedHeadIsRefused() {
    String huge = "X-Big: " + "a".repeat(70_000) + "\r\n";
    assertThat(send("POST / HTTP/1.1\r\nHost: x\r\n" + huge + "\r\n").status()).isEqualTo(431);
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 150; i++) {
      many.append("X-H").append(i).append(": v\r\n");
    }
    assertThat(send("POST / HTTP/1.1\r\nHost: x\r\n" + many + "\r\n").status()).isEqualTo(431);
    // lines, not names, are counted: one name repeated 150 times is as many lines
    String repeated = "X-Same: v\r\n".repeat(150);
    assertThat(send("POST / HTTP/1.1\r\nHost: x\r\n" + repeated + "\r\n").status()).isEqualTo(431);
  }

  @Test
  void healthzAnswersWithTheWrappersTimingsAndOtherGetsAreNotAllowed() throws IOException {
    RawHttp.Response health = send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(health.status()).isEqualTo(200);
    JsonNode timings = json(health).get("timings");
    assertThat(timings.get("started").asDouble()).isPositive();
    assertThat(timings.get("listening").asDouble())
        .isGreaterThanOrEqualTo(timings.get("started").asDouble());
    RawHttp.Response other = send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(other.status()).isEqualTo(405);
    assertThat(other.headers()).containsIgnoringCase("allow: POST");
  }

  @Test
  void aRaisingFunctionIsA500NamingItsError() throws IOException {
    RawHttp.Response answer = send(post("/", "\"raise\""));
    assertThat(answer.status()).isEqualTo(500);
    assertThat(json(answer).get("error").asText()).isEqualTo(raisedError());
    assertThat(json(answer).get("message").asText()).contains("no such thing");
  }

  @Test
  void anHttp10RequestIsAnsweredAndClosed() throws IOException {
    RawHttp.Response answer = send("POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.headers()).startsWith("HTTP/1.");
  }

  @Test
  void anEmptyBodyIsNone() throws IOException {
    RawHttp.Response answer = send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(json(answer).get("got").isNull()).isTrue();
  }
}
