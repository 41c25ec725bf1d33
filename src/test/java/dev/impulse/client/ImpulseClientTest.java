package dev.impulse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a stand-in server on a real socket: what it sends, how it reads answers. */
class ImpulseClientTest {
  private record Seen(String method, String path, String authorization, String body) {}

  private record Answer(int status, String contentType, String body) {}

  private final List<Seen> seen = new ArrayList<>();
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private HttpServer server;
  private URI base;

  @TempDir Path tmp;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
    base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String key = exchange.getRequestMethod() + " " + exchange.getRequestURI();
    synchronized (seen) {
      seen.add(
          new Seen(
              exchange.getRequestMethod(),
              exchange.getRequestURI().toString(),
              exchange.getRequestHeaders().getFirst("Authorization"),
              body));
    }
    Answer answer =
        answers.getOrDefault(
            key,
            new Answer(
                404,
                "application/problem+json",
                "{\"title\":\"Not Found\",\"status\":404,\"detail\":\"no route " + key + "\"}"));
    byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", answer.contentType());
    exchange.sendResponseHeaders(answer.status(), answer.status() == 204 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private void answer(String request, int status, String json) {
    answers.put(request, new Answer(status, "application/json", json));
  }

  private ImpulseClient client() {
    return new ImpulseClient(base, Credentials.token("secret-token-0123456789", "a test"));
  }

  @Test
  void putDeploymentSendsTheBodyWithTheTokenAndTellsCreatedFromUpdated() {
    answer("PUT /deployments/shop", 201, "{\"app\":\"shop\"}");
    DeploymentRequest request =
        new DeploymentRequest("1.0.0", "python3", Map.of("K", "v"), Map.of("maxChambers", 3));
    try (ImpulseClient client = client()) {
      assertThat(client.putDeployment("shop", request)).isTrue();
      answer("PUT /deployments/shop", 200, "{\"app\":\"shop\"}");
      assertThat(client.putDeployment("shop", request)).isFalse();
    }
    assertThat(seen.getFirst())
        .isEqualTo(
            new Seen(
                "PUT",
                "/deployments/shop",
                "Bearer secret-token-0123456789",
                "{\"version\":\"1.0.0\",\"runtime\":\"python3\",\"env\":{\"K\":\"v\"},"
                    + "\"maxChambers\":3}"));
  }

  @Test
  void putFunctionUploadsTheArchiveFile() throws IOException {
    Path archive = Files.write(tmp.resolve("f.tar.gz"), new byte[] {1, 2, 3});
    answer("PUT /functions/shop/1.0.0", 201, "{}");
    try (ImpulseClient client = client()) {
      assertThat(client.putFunction("shop", "1.0.0", archive)).isTrue();
    }
    assertThat(seen.getFirst().body()).isEqualTo("\u0001\u0002\u0003");
  }

  @Test
  void deploymentsAndChambersAreReadFromTheirJson() {
    answer(
        "GET /deployments",
        200,
        """
        [{"app":"shop","spec":{"version":"2","runtime":"python3.11"},
          "scaling":{"concurrency":1,"minChambers":0,"maxChambers":4,"idleTimeoutMs":1000},
          "chambers":["shop-2-aaaaa","shop-2-bbbbb"],"inFlight":3,"queued":1,
          "lastDecision":{"desired":2,"reason":"load","timeMillis":1}}]
        """);
    answer(
        "GET /chambers",
        200,
        """
        [{"id":"shop-2-aaaaa","status":"RUNNING","createdTimeMillis":1,"port":6000,
          "spec":{"app":"shop","version":"2","runtime":"python3"},"restarts":0,"deployment":"shop"},
         {"id":"x-1-ccccc","status":"FAILED","createdTimeMillis":2,"port":6001,
          "spec":{"app":"x","version":"1","runtime":"python3"},"restarts":0,"exitCode":3}]
        """);
    try (ImpulseClient client = client()) {
      assertThat(client.deployments())
          .containsExactly(
              new DeploymentSummary(
                  "shop", "2", "python3.11", List.of("shop-2-aaaaa", "shop-2-bbbbb"), 3, 1));
      assertThat(client.chambers())
          .containsExactly(
              new ChamberSummary(
                  "shop-2-aaaaa", "RUNNING", 6000, "shop", "2", java.util.Optional.of("shop")),
              new ChamberSummary(
                  "x-1-ccccc", "FAILED", 6001, "x", "1", java.util.Optional.empty()));
    }
  }

  @Test
  void aProblemBecomesAnExceptionWithItsDetailAndControlCharactersHidden() {
    answers.put(
        "DELETE /chambers/nope",
        new Answer(
            404,
            "application/problem+json",
            "{\"title\":\"Not Found\",\"status\":404,\"detail\":\"no chamber 'nope'\\u001b[2J\"}"));
    try (ImpulseClient client = client()) {
      assertThatThrownBy(() -> client.deleteChamber("nope"))
          .isInstanceOf(ProblemException.class)
          .hasMessage("no chamber 'nope'?[2J")
          .satisfies(e -> assertThat(((ProblemException) e).status()).isEqualTo(404));
    }
  }

  @Test
  void anAnswerThatIsNoProblemIsShownByItsStatusAndBody() {
    answers.put("GET /chambers", new Answer(502, "text/plain", "bad gateway"));
    try (ImpulseClient client = client()) {
      assertThatThrownBy(client::chambers)
          .hasMessage("GET /chambers failed with HTTP 502: bad gateway");
    }
  }

  @Test
  void aRefusedTokenSaysWhereItCameFromAndAMissingOneWhyItIsMissing() {
    answers.put(
        "GET /chambers",
        new Answer(
            401, "application/problem+json", "{\"detail\":\"a valid API token is needed\"}"));
    try (ImpulseClient client = client()) {
      assertThatThrownBy(client::chambers)
          .hasMessage("a valid API token is needed (the token sent was read from a test)");
    }
    try (ImpulseClient client =
        new ImpulseClient(base, Credentials.none("the token file /x does not exist"))) {
      assertThatThrownBy(client::chambers)
          .hasMessage(
              "a valid API token is needed (no token was sent: the token file /x does not exist)");
    }
    assertThat(seen.getLast().authorization()).isNull();
  }

  @Test
  void eventsArePassedOnAsOneLineOfJsonEachUntilTheStreamEnds() {
    answers.put(
        "GET /events?since=4",
        new Answer(
            200,
            "text/event-stream",
            ": impulse events\n\n: events 5 to 6 are no longer retained\n\n"
                + "id: 7\nevent: chamber\ndata: {\"id\":7, \"to\": \"RUNNING\"}\n\n"
                + ": keep-alive\n\n"
                + "id: 8\nevent: chamber\ndata: {\"id\":8,\n"
                + "data: \"to\":\"STOPPED\"}\n\n"));
    List<String> lines = new ArrayList<>();
    List<String> notices = new ArrayList<>();
    String last;
    try (ImpulseClient client = client()) {
      last =
          client.events(
              4,
              new ImpulseClient.EventListener() {
                @Override
                public void event(String id, String json) {
                  lines.add(id + " " + json);
                }

                @Override
                public void notice(String text) {
                  notices.add(text);
                }
              });
    }
    assertThat(lines)
        .containsExactly("7 {\"id\":7,\"to\":\"RUNNING\"}", "8 {\"id\":8,\"to\":\"STOPPED\"}");
    assertThat(notices).containsExactly("events 5 to 6 are no longer retained");
    assertThat(last).isEqualTo("8");
  }

  @Test
  void logsAreCopiedWithTheQueryAsked() {
    answers.put(
        "GET /chambers/a-1-xxxxx/logs?tail=2&follow=true",
        new Answer(200, "text/plain", "one\ntwo\n"));
    StringWriter out = new StringWriter();
    try (ImpulseClient client = client()) {
      client.logs("a-1-xxxxx", new LogRequest(2, true, false), out);
    }
    assertThat(out).hasToString("one\ntwo\n");
  }

  @Test
  void namesBecomeOnePathSegmentEach() {
    try (ImpulseClient client = client()) {
      assertThatThrownBy(() -> client.deleteDeployment("a/../b?x"))
          .isInstanceOf(ProblemException.class);
    }
    assertThat(seen.getFirst().path()).isEqualTo("/deployments/a%2F..%2Fb%3Fx");
  }

  @Test
  void anUnreachableDaemonIsNamed() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    URI nowhere = URI.create("http://127.0.0.1:" + port);
    try (ImpulseClient client = new ImpulseClient(nowhere, Credentials.none("none"))) {
      assertThatThrownBy(client::chambers)
          .isExactlyInstanceOf(ClientException.class)
          .hasMessageStartingWith("cannot reach the impulse API at " + nowhere)
          .hasMessageContaining("is it running");
    }
  }

  @Test
  void invokePostsTheJsonToTheAppsPathAndReturnsAnyAnswer() {
    answer("POST /shop/orders", 200, "{\"ok\":true}");
    try (EdgeClient edge = new EdgeClient(base)) {
      assertThat(edge.invoke("shop", "/orders", "{\"n\":1}"))
          .isEqualTo(new Invocation(200, "{\"ok\":true}"));
      Invocation missing = edge.invoke("nope", "/", "{}");
      assertThat(missing.succeeded()).isFalse();
      assertThat(missing.status()).isEqualTo(404);
    }
    assertThat(seen.getFirst()).isEqualTo(new Seen("POST", "/shop/orders", null, "{\"n\":1}"));
    assertThat(seen.getLast().path()).isEqualTo("/nope/");
  }
}
