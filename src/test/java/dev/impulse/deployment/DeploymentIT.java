package dev.impulse.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.EventStream;
import dev.impulse.testing.Http;
import dev.impulse.testing.Tars;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Deployments and the edge proxy with real chambers: a call by name starts a chamber and is served
 * through it, bursts start what the concurrency rule needs, a new version rolls over without a
 * failed call, idle chambers go, a dying chamber fails only its own caller.
 */
class DeploymentIT {
  static DaemonFixture impulse;

  /**
   * Answers what it saw; sleeps {"sleep": s} seconds first; {"die": true} kills the chamber;
   * {"pad": n} adds n bytes to the answer.
   */
  static final String ECHO =
      """
      import os, time

      def skyhook(request, meta):
          request = request or {}
          if request.get("die"):
              os._exit(3)
          time.sleep(min(float(request.get("sleep", 0)), 5))
          if request.get("pad"):
              return {"pad": "x" * min(int(request["pad"]), 64 << 20)}
          return {"request": request, "path": meta["path"], "headers": meta["headers"],
                  "chamber": meta["chamber_id"], "version": meta["version"],
                  "greeting": os.environ.get("GREETING")}
      """;

  /**
   * Writes its own answer on the caller's connection: {"flood": N} sends N KiB of header lines,
   * {"stall": true} half an answer, then nothing until the proxy hangs up, {"spoof": true} claims
   * another chamber and request id.
   */
  static final String ROGUE =
      """
      import sys

      def skyhook(request, meta):
          conn = sys._getframe(2).f_locals["self"]
          if request.get("stall"):
              conn.sock.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 10\\r\\n\\r\\n{\\"a\\"")
              conn.sock.settimeout(60)
              try:
                  conn.sock.recv(1)  # until the proxy hangs up
              except OSError:
                  pass
          elif request.get("flood"):
              conn.sock.sendall(b"HTTP/1.1 200 OK\\r\\n")
              line = b"X-Pad: " + b"a" * 1000 + b"\\r\\n"
              for _ in range(int(request["flood"])):
                  conn.sock.sendall(line)
          else:
              conn.sock.sendall(b"HTTP/1.1 200 OK\\r\\nX-Impulse-Chamber: victim\\r\\n"
                                b"X-Request-Id: spoofed\\r\\nContent-Length: 2\\r\\n\\r\\n{}")
          conn.sock.close()
          return {}
      """;

  /**
   * {"deaf": true} makes its chamber refuse every new connection while it stays up: the wrapper's
   * listening socket is shut down, and its accept loop is kept from ending; its answer closes the
   * connection it came on.
   */
  static final String DEAF =
      """
      import errno, gc, socket, sys, time

      class Deaf:  # takes the place of the wrapper's listening socket: its accept loop waits here
          def _accept(self):
              time.sleep(3600)

      def skyhook(request, meta):
          if request and request.get("deaf"):
              # This answer closes its connection, so the next call needs a new one.
              conn = sys._getframe(1).f_locals["self"]
              send = conn.send
              conn.send = lambda status, payload, headers, keep: send(status, payload, headers, False)
              errno.EMFILE = errno.EINVAL  # the loop retries what it takes for a full fd table
              for o in gc.get_objects():
                  if type(o).__name__ == "Server" and hasattr(o, "socket"):
                      listening, o.socket = o.socket, Deaf()
                      listening.shutdown(socket.SHUT_RDWR)
          return {"chamber": meta["chamber_id"]}
      """;

  @BeforeAll
  static void start() {
    impulse = DaemonFixture.start(DaemonFixture.Options.defaults().withPortCount(40));
    impulse.upload("echo", "1", Tars.function(ECHO));
    impulse.upload("echo", "2", Tars.function(ECHO));
    impulse.upload("metered", "1", Tars.function(ECHO));
    impulse.upload("rogue", "1", Tars.function(ROGUE));
    impulse.upload("deaf", "1", Tars.function(DEAF));
  }

  @AfterAll
  static void stop() {
    impulse.close();
  }

  @AfterEach
  void deleteEverything() {
    impulse.destroyAll();
    impulse.assertNothingLeaked();
  }

  private static Http.Response deploy(String app, String json) {
    return impulse.putJson("/deployments/" + app, json);
  }

  private static Http.Response call(String path, String json, Map<String, String> headers) {
    return impulse
        .http()
        .send(
            "POST",
            impulse.proxyUri(path),
            json.getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "application/json",
            headers);
  }

  private static Http.Response call(String path, String json) {
    return call(path, json, Map.of());
  }

  private static void await(String what, Duration timeout, BooleanSupplier done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + " did not happen within " + timeout);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static List<String> chambersOf(String app) {
    List<String> ids = new ArrayList<>();
    impulse.get("/deployments/" + app).json().get("chambers").forEach(n -> ids.add(n.asText()));
    return ids;
  }

  @Test
  void aCallByNameStartsAChamberFromZeroAndReachesTheFunctionWithItsPathAndHeaders() {
    Http.Response created =
        deploy("echo", "{\"version\":\"1\",\"runtime\":\"python3\",\"env\":{\"GREETING\":\"hi\"}}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.json().get("chambers")).isEmpty();

    Http.Response answer =
        call("/echo/some/path?x=1&y=%20", "{\"n\":1}", Map.of("X-Forwarded-For", "198.51.100.7"));

    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    JsonNode body = answer.json();
    assertThat(body.get("path").asText()).isEqualTo("/some/path?x=1&y=%20");
    assertThat(body.get("request").get("n").asInt()).isEqualTo(1);
    assertThat(body.get("greeting").asText()).isEqualTo("hi");
    assertThat(answer.header("X-Impulse-Chamber")).isEqualTo(body.get("chamber").asText());
    assertThat(answer.header("X-Request-Id")).isNotBlank();
    JsonNode headers = body.get("headers");
    assertThat(headers.toString())
        .contains("198.51.100.7, 127.0.0.1")
        .contains(answer.header("X-Request-Id"));
    JsonNode chamber = impulse.chamber(body.get("chamber").asText());
    assertThat(chamber.get("deployment").asText()).isEqualTo("echo");
    assertThat(chambersOf("echo")).containsExactly(body.get("chamber").asText());

    // The same chamber serves the next call: nothing starts again.
    Http.Response again = call("/echo", "{}", Map.of("X-Request-Id", "mine-1"));
    assertThat(again.header("X-Impulse-Chamber")).isEqualTo(body.get("chamber").asText());
    assertThat(again.header("X-Request-Id")).isEqualTo("mine-1");
    assertThat(again.json().get("path").asText()).isEqualTo("/");
  }

  @Test
  void unknownAppsAndBadDeploymentsGetProblemsAndLeaveNothing() {
    Http.Response unknown = call("/nosuchapp/x", "{}");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.contentType()).startsWith("application/problem+json");
    assertThat(unknown.json().get("detail").asText()).contains("nosuchapp");
    assertThat(call("/", "{}").status()).isEqualTo(404);
    assertThat(call("/BAD..name/x", "{}").status()).isEqualTo(404);

    for (String bad :
        List.of(
            "{\"version\":\"1\"}",
            "{\"version\":\"1\",\"runtime\":\"python3\",\"concurrency\":0}",
            "{\"version\":\"1\",\"runtime\":\"python3\",\"minChambers\":5,\"maxChambers\":2}",
            "{\"version\":\"1\",\"runtime\":\"python3\",\"restart\":\"on-failure\"}",
            "{\"version\":\"1\",\"runtime\":\"python3\",\"colour\":\"red\"}",
            "{\"version\":\"1\",\"runtime\":\"python3\",\"idleTimeoutMs\":\"soon\"}",
            "[1,2]")) {
      Http.Response refused = deploy("echo", bad);
      assertThat(refused.status()).as(bad + " -> " + refused.body()).isEqualTo(400);
      assertThat(refused.contentType()).startsWith("application/problem+json");
    }
    Http.Response noFunction = deploy("echo", "{\"version\":\"9\",\"runtime\":\"python3\"}");
    assertThat(noFunction.status()).as(noFunction.body()).isEqualTo(422);
    Http.Response noRuntime = deploy("echo", "{\"version\":\"1\",\"runtime\":\"cobol\"}");
    assertThat(noRuntime.status()).as(noRuntime.body()).isEqualTo(422);
    assertThat(deploy("Bad_Name", "{\"version\":\"1\",\"runtime\":\"python3\"}").status())
        .isEqualTo(400);
    assertThat(impulse.get("/deployments").json()).isEmpty();
    assertThat(impulse.get("/deployments/echo").status()).isEqualTo(404);
    assertThat(impulse.delete("/deployments/echo").status()).isEqualTo(404);
    assertThat(impulse.chambers()).isEmpty();
  }

  @Test
  void aBurstDuringActivationStartsWhatTheConcurrencyRuleNeedsAndEveryCallIsServed()
      throws Exception {
    deploy(
        "echo", "{\"version\":\"1\",\"runtime\":\"python3\",\"concurrency\":2,\"maxChambers\":3}");
    List<CompletableFuture<Http.Response>> calls = new ArrayList<>();
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 12; i++) {
        calls.add(CompletableFuture.supplyAsync(() -> call("/echo", "{\"sleep\":0.3}"), clients));
      }
      Set<String> servedBy = new HashSet<>();
      for (CompletableFuture<Http.Response> c : calls) {
        Http.Response r = c.get();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        servedBy.add(r.header("X-Impulse-Chamber"));
      }
      // 12 calls at 2 per chamber want 6 chambers; maxChambers caps them at 3.
      assertThat(servedBy).hasSizeBetween(1, 3);
    }
    assertThat(impulse.chambers()).hasSizeLessThanOrEqualTo(3);
    JsonNode state = impulse.get("/deployments/echo").json();
    assertThat(state.get("lastDecision").get("reason").asText()).isNotBlank();
    assertThat(state.get("inFlight").asInt()).isZero();
    assertThat(state.get("queued").asInt()).isZero();
  }

  @Test
  void aNewVersionRollsOverWithoutAFailedCallAndTheOldChamberGoes() {
    deploy("echo", "{\"version\":\"1\",\"runtime\":\"python3\"}");
    Http.Response first = call("/echo", "{}");
    assertThat(first.json().get("version").asText()).isEqualTo("1");
    String old = first.header("X-Impulse-Chamber");

    Http.Response changed = deploy("echo", "{\"version\":\"2\",\"runtime\":\"python3\"}");
    assertThat(changed.status()).as(changed.body()).isEqualTo(200);
    assertThat(changed.json().get("spec").get("version").asText()).isEqualTo("2");

    // Calls go on while the new chamber starts; every one is answered, first by 1, then by 2.
    String version = "1";
    for (int i = 0; i < 400 && version.equals("1"); i++) {
      Http.Response r = call("/echo", "{\"sleep\":0.02}");
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      version = r.json().get("version").asText();
    }
    assertThat(version).isEqualTo("2");
    await(
        "the old chamber's destroy",
        Duration.ofSeconds(30),
        () -> impulse.get("/chambers/" + old).status() == 404);
    assertThat(impulse.chambers())
        .allSatisfy(c -> assertThat(c.get("spec").get("version").asText()).isEqualTo("2"));
    // The same spec again changes nothing: no new generation, no update.
    long updated = impulse.get("/deployments/echo").json().get("updatedTimeMillis").asLong();
    Http.Response same = deploy("echo", "{\"version\":\"2\",\"runtime\":\"python3\"}");
    assertThat(same.status()).isEqualTo(200);
    assertThat(same.json().get("updatedTimeMillis").asLong()).isEqualTo(updated);
    assertThat(call("/echo", "{}").json().get("version").asText()).isEqualTo("2");
  }

  @Test
  void idleChambersAreDestroyedDownToZeroAndEachDecisionIsAnEvent() throws Exception {
    try (EventStream events = impulse.events(-1)) {
      deploy("echo", "{\"version\":\"1\",\"runtime\":\"python3\",\"idleTimeoutMs\":1000}");
      assertThat(call("/echo", "{}").status()).isEqualTo(200);
      await("scale to zero", Duration.ofSeconds(30), () -> chambersOf("echo").isEmpty());
      await("the chamber's destroy", Duration.ofSeconds(30), () -> impulse.chambers().isEmpty());
      List<JsonNode> seen =
          events.until(
              e ->
                  e.path("kind").asText().equals("scale")
                      && e.get("from").asText().equals("1")
                      && e.get("to").asText().equals("0"),
              Duration.ofSeconds(10));
      List<JsonNode> scale =
          seen.stream().filter(e -> e.path("kind").asText().equals("scale")).toList();
      assertThat(scale).extracting(e -> e.get("to").asText()).containsSubsequence("1", "0");
      assertThat(scale)
          .allSatisfy(e -> {
            assertThat(e.get("deployment").asText()).isEqualTo("echo");
            assertThat(e.get("reason").asText()).isNotBlank();
          });
    }
  }

  @Test
  void minChambersAreStartedWithoutACallAndADeleteRemovesThem() {
    deploy("echo", "{\"version\":\"1\",\"runtime\":\"python3\",\"minChambers\":1}");
    await(
        "a chamber of minChambers running",
        Duration.ofSeconds(30),
        () ->
            impulse.chambers().stream().anyMatch(c -> c.get("status").asText().equals("RUNNING")));
    Http.Response answer = call("/echo", "{}");
    assertThat(answer.status()).isEqualTo(200);

    assertThat(impulse.delete("/deployments/echo").status()).isEqualTo(204);
    assertThat(impulse.chambers()).isEmpty();
    assertThat(call("/echo", "{}").status()).isEqualTo(404);
  }

  @Test
  void aChamberThatDiesMidCallFailsThatCallOnlyAndIsReplaced() {
    deploy("echo", "{\"version\":\"1\",\"runtime\":\"python3\"}");
    String first = call("/echo", "{}").header("X-Impulse-Chamber");

    Http.Response died = call("/echo", "{\"die\":true}");
    assertThat(died.status()).as(died.body()).isEqualTo(502);
    assertThat(died.contentType()).startsWith("application/problem+json");
    assertThat(died.header("X-Impulse-Chamber")).isEqualTo(first);

    Http.Response next = call("/echo", "{}");
    assertThat(next.status()).as(next.body()).isEqualTo(200);
    assertThat(next.header("X-Impulse-Chamber")).isNotEqualTo(first);
  }

  @Test
  void aDeleteLetsACallInFlightFinishThenRemovesTheChambers() throws Exception {
    deploy("echo", "{\"version\":\"1\",\"runtime\":\"python3\"}");
    assertThat(call("/echo", "{}").status()).isEqualTo(200);
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      CompletableFuture<Http.Response> slow =
          CompletableFuture.supplyAsync(() -> call("/echo", "{\"sleep\":1}"), clients);
      await(
          "the slow call in flight",
          Duration.ofSeconds(10),
          () -> impulse.get("/deployments/echo").json().get("inFlight").asInt() == 1);
      assertThat(impulse.delete("/deployments/echo").status()).isEqualTo(204);
      Http.Response answered = slow.get();
      assertThat(answered.status()).as(answered.body()).isEqualTo(200);
    }
    assertThat(impulse.chambers()).isEmpty();
  }

  @Test
  void metricsCountCallsByAppVersionAndStatusWithoutLabelsForUnknownApps() {
    deploy("metered", "{\"version\":\"1\",\"runtime\":\"python3\"}");
    assertThat(call("/metered", "{}").status()).isEqualTo(200);
    assertThat(call("/metered", "not json").status()).isEqualTo(400);
    assertThat(call("/made-up-app-name/x", "{}").status()).isEqualTo(404);

    Http.Response metrics = impulse.get("/metrics");
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.contentType()).startsWith("text/plain");
    assertThat(metrics.body())
        .contains("impulse_invocations_total{app=\"metered\",status=\"200\",version=\"1\"} 1.0")
        .contains("impulse_invocations_total{app=\"metered\",status=\"400\",version=\"1\"} 1.0")
        .contains("impulse_invocations_total{app=\"\",status=\"404\",version=\"\"}")
        .contains("impulse_invocation_duration_seconds_bucket{app=\"metered\"")
        .contains("impulse_cold_starts_total{app=\"metered\"} 1.0")
        .contains("impulse_chambers{app=\"metered\",status=\"RUNNING\"} 1.0")
        .contains("impulse_deployment_queued{app=\"metered\"} 0.0")
        .contains("impulse_scale_events_total{app=\"metered\",direction=\"up\"}")
        .contains("jvm_memory_used_bytes")
        .contains("process_cpu_usage")
        .doesNotContain("made-up-app-name");
    assertThat(
            impulse
                .http()
                .send(
                    "GET",
                    impulse.uri("/metrics"),
                    null,
                    null,
                    Map.of("Authorization", "Bearer wrong"))
                .status())
        .isEqualTo(401);
  }

  @Test
  void aFunctionCannotFloodTheProxyWithHeadersNorSpeakForItOrAnotherChamber() {
    deploy("rogue", "{\"version\":\"1\",\"runtime\":\"python3\",\"concurrency\":4}");
    Http.Response flooded = call("/rogue", "{\"flood\": 4096}");
    assertThat(flooded.status()).as(flooded.body()).isEqualTo(502);
    assertThat(flooded.contentType()).startsWith("application/problem+json");
    assertThat(impulse.get("/healthz").status()).isEqualTo(200);

    Http.Response spoofed = call("/rogue", "{}", Map.of("X-Request-Id", "mine-2"));
    assertThat(spoofed.status()).as(spoofed.body()).isEqualTo(200);
    assertThat(spoofed.raw().headers().allValues("X-Request-Id")).containsExactly("mine-2");
    assertThat(spoofed.raw().headers().allValues("X-Impulse-Chamber"))
        .singleElement()
        .satisfies(id -> assertThat(id).startsWith("rogue-1-"));
    assertThat(impulse.get("/deployments/rogue").json().get("inFlight").asInt()).isZero();
  }

  /**
   * The proxy's handler runs on the threads that watch the sockets, so nothing in it may wait: a
   * caller that stops reading a large answer and a function that stalls mid-answer hold only their
   * own calls.
   */
  @Test
  void aCallerThatStopsReadingAndAFunctionThatStallsMidAnswerHoldUpNoOtherCall() throws Exception {
    deploy("echo", "{\"version\":\"1\",\"runtime\":\"python3\",\"concurrency\":8}");
    deploy("rogue", "{\"version\":\"1\",\"runtime\":\"python3\",\"concurrency\":4}");
    // Both run before the clock of the connections below starts (their idle timeout).
    assertThat(call("/echo", "{}").status()).isEqualTo(200);
    assertThat(call("/rogue", "{}").status()).isEqualTo(200);
    try (java.net.Socket notReading = rawCall("/echo/", "{\"pad\": 33554432}");
        java.net.Socket stalled = rawCall("/rogue/", "{\"stall\": true}")) {
      await(
          "the unread answer and the stalled one in flight",
          Duration.ofSeconds(30),
          () -> inFlight("echo") == 1 && inFlight("rogue") == 1);

      // Each on a new connection: Jetty deals connections out to its selector threads in turn,
      // so these reach every one of them.
      for (int i = 0; i < 20; i++) {
        String answer = callOnNewConnection("/echo/", "{\"n\":" + i + "}");
        assertThat(answer).startsWith("HTTP/1.1 200").contains("\"n\": " + i + "}");
      }
      assertThat(inFlight("echo")).isEqualTo(1);
      assertThat(inFlight("rogue")).isEqualTo(1);
    }
    // The unread answer ends with its caller. (The stalled call holds its chamber until the
    // function answers or --proxy-timeout-ms passes: the function is still at work either way.)
    await(
        "the unread answer ended when its caller hung up",
        Duration.ofSeconds(30),
        () -> inFlight("echo") == 0);
  }

  /**
   * A caller that sends its body a few bytes a second, each within the idle timeout, would hold its
   * chamber for as long as it liked: once the grace period is waited it gets a 408, and the
   * chamber, not at fault, goes on serving.
   */
  @Test
  void aCallerTricklingItsBodyGets408AndTheChamberGoesOnServing() throws Exception {
    deploy("echo", "{\"version\":\"1\",\"runtime\":\"python3\"}");
    Http.Response first = call("/echo", "{}");
    assertThat(first.status()).isEqualTo(200);
    String chamber = first.header("X-Impulse-Chamber");

    java.net.URI proxy = impulse.proxyUri("/");
    String answer;
    try (java.net.Socket trickler = new java.net.Socket(proxy.getHost(), proxy.getPort())) {
      trickler
          .getOutputStream()
          .write(
              ("POST /echo/ HTTP/1.1\r\nHost: impulse\r\nContent-Type: application/json\r\n"
                      + "Content-Length: 100000\r\n\r\n{\"pad\": \"")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      // A byte, then up to 200 ms for an answer: 5 bytes a second, for at most a minute.
      trickler.setSoTimeout(200);
      java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline && !read.toString().contains("\r\n\r\n")) {
        try {
          trickler.getOutputStream().write('x');
        } catch (java.io.IOException hungUp) {
          // the proxy may close its side right after answering
        }
        try {
          byte[] buffer = new byte[4096];
          int n = trickler.getInputStream().read(buffer);
          if (n < 0) {
            break;
          }
          read.write(buffer, 0, n);
        } catch (java.net.SocketTimeoutException nothingYet) {
          // trickle on
        } catch (java.io.IOException reset) {
          break; // the proxy closed after answering, and our last byte drew a reset
        }
      }
      answer = read.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
    assertThat(answer).startsWith("HTTP/1.1 408").contains("application/problem+json");
    await(
        "the trickled call released its chamber",
        Duration.ofSeconds(30),
        () -> inFlight("echo") == 0);
    Http.Response after = call("/echo", "{}");
    assertThat(after.status()).isEqualTo(200);
    assertThat(after.header("X-Impulse-Chamber")).isEqualTo(chamber);
  }

  /**
   * A caller that hangs up in the middle of its body, or sends a chunked body whose bytes carry no
   * content (a chunk extension a byte at a time, each within the idle timeout), costs the chamber
   * nothing: the call ends, the chamber is not taken for broken and goes on serving.
   */
  @Test
  void aCallerThatHangsUpMidBodyOrStallsInAChunkExtensionLeavesTheChamberServing()
      throws Exception {
    deploy("echo", "{\"version\":\"1\",\"runtime\":\"python3\"}");
    Http.Response first = call("/echo", "{}");
    assertThat(first.status()).isEqualTo(200);
    String chamber = first.header("X-Impulse-Chamber");

    try (java.net.Socket halfway = rawHead("Content-Length: 1000\r\n")) {
      halfway.getOutputStream().write("{\"pad\": \"".getBytes(StandardCharsets.US_ASCII));
      await("the call in flight", Duration.ofSeconds(30), () -> inFlight("echo") == 1);
    }
    await("the call ended with its caller", Duration.ofSeconds(30), () -> inFlight("echo") == 0);

    try (java.net.Socket extension = rawHead("Transfer-Encoding: chunked\r\n")) {
      extension.getOutputStream().write("1;x=".getBytes(StandardCharsets.US_ASCII));
      // A byte of the extension, then up to 200 ms for the proxy to hang up: 5 bytes a second,
      // for at most a minute.
      extension.setSoTimeout(200);
      boolean hungUp = false;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!hungUp && System.nanoTime() < deadline) {
        try {
          extension.getOutputStream().write('a');
          hungUp = extension.getInputStream().read() < 0;
        } catch (java.net.SocketTimeoutException nothingYet) {
          // trickle on
        } catch (java.io.IOException closed) {
          hungUp = true;
        }
      }
      assertThat(hungUp).as("the proxy hung up on the stalled body").isTrue();
    }
    await("the stalled call ended", Duration.ofSeconds(30), () -> inFlight("echo") == 0);

    Http.Response after = call("/echo", "{}");
    assertThat(after.status()).isEqualTo(200);
    assertThat(after.header("X-Impulse-Chamber")).isEqualTo(chamber);
    assertThat(chambersOf("echo")).containsExactly(chamber);
  }

  /** Opens a call to echo with these framing headers and sends its head only. */
  private static java.net.Socket rawHead(String framing) throws java.io.IOException {
    java.net.URI proxy = impulse.proxyUri("/");
    java.net.Socket socket = new java.net.Socket(proxy.getHost(), proxy.getPort());
    socket
        .getOutputStream()
        .write(
            ("POST /echo/ HTTP/1.1\r\nHost: impulse\r\nContent-Type: application/json\r\n"
                    + framing
                    + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    return socket;
  }

  private static int inFlight(String app) {
    return impulse.get("/deployments/" + app).json().get("inFlight").asInt();
  }

  /** Sends a call on a connection of its own, which it asks to close; returns the raw answer. */
  private static String callOnNewConnection(String path, String json) throws java.io.IOException {
    try (java.net.Socket socket = rawCall(path, json, "Connection: close\r\n")) {
      socket.setSoTimeout(30_000);
      return new String(
          socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private static java.net.Socket rawCall(String path, String json) throws java.io.IOException {
    return rawCall(path, json, "");
  }

  /** Sends a call on a socket of its own and reads nothing back. */
  private static java.net.Socket rawCall(String path, String json, String moreHeaders)
      throws java.io.IOException {
    java.net.URI proxy = impulse.proxyUri("/");
    java.net.Socket socket = new java.net.Socket(proxy.getHost(), proxy.getPort());
    byte[] body = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    socket
        .getOutputStream()
        .write(
            ("POST "
                    + path
                    + " HTTP/1.1\r\nHost: impulse\r\nContent-Type: application/json\r\n"
                    + "Content-Length: "
                    + body.length
                    + "\r\n"
                    + moreHeaders
                    + "\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    socket.getOutputStream().write(body);
    socket.getOutputStream().flush();
    return socket;
  }

  @Test
  void callersCannotSpeakForTheProxyAndADeployedFunctionCannotBeDeleted() {
    deploy("echo", "{\"version\":\"1\",\"runtime\":\"python3\"}");
    Http.Response answer =
        call("/echo", "{}", Map.of("Forwarded", "for=6.6.6.6", "X-Real-IP", "6.6.6.6"));
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().get("headers").toString()).doesNotContain("6.6.6.6");

    Http.Response refused = impulse.delete("/functions/echo/1");
    assertThat(refused.status()).as(refused.body()).isEqualTo(409);
    assertThat(refused.json().get("detail").asText()).contains("deployment 'echo'");
    assertThat(impulse.get("/functions/echo/1").status()).isEqualTo(200);
  }

  @Test
  void aChamberThatRefusesConnectionsIsLeftForAnotherWithoutAFailedCall() {
    deploy(
        "deaf", "{\"version\":\"1\",\"runtime\":\"python3\",\"minChambers\":2,\"maxChambers\":2}");
    await(
        "two chambers running",
        Duration.ofSeconds(30),
        () ->
            impulse.chambers().stream()
                    .filter(c -> c.get("status").asText().equals("RUNNING"))
                    .count()
                == 2);
    Http.Response deafened = call("/deaf", "{\"deaf\":true}");
    assertThat(deafened.status()).as(deafened.body()).isEqualTo(200);
    String deaf = deafened.header("X-Impulse-Chamber");

    // The deaf chamber is the most recently used: the next call goes to it first, is refused
    // before anything was sent, and is served by the other.
    for (int i = 0; i < 5; i++) {
      Http.Response r = call("/deaf", "{}");
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(r.header("X-Impulse-Chamber")).isNotEqualTo(deaf);
    }
  }
}
