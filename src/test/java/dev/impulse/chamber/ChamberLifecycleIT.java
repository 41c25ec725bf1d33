package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import dev.impulse.testing.Http;
import dev.impulse.testing.LogStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real chambers on runc: start, call, watch, read logs, destroy, on both Python runtimes. */
class ChamberLifecycleIT {
  static DaemonFixture impulse;

  @BeforeAll
  static void start() {
    impulse =
        DaemonFixture.start(
            DaemonFixture.Options.defaults().withStartupTimeout(Duration.ofSeconds(3)));
    impulse.upload("sampleapp", "1.0.0", Functions.sample());
  }

  @AfterAll
  static void stop() {
    impulse.close();
  }

  @AfterEach
  void destroyEverything() {
    impulse.destroyAll();
    impulse.assertNothingLeaked();
  }

  @Test
  void theSampleFunctionAnswersOnItsPortOnBothPythonRuntimes() {
    JsonNode py39 = impulse.create("sampleapp", "1.0.0", "python3.9");
    JsonNode py311 = impulse.create("sampleapp", "1.0.0", "python3.11");
    JsonNode alias = impulse.create("sampleapp", "1.0.0", "python3");
    assertThat(py39.get("status").asText()).isEqualTo("STARTING");
    assertThat(py39.get("id").asText()).matches("sampleapp-1\\.0\\.0-[a-z]{5}");

    for (JsonNode created : new JsonNode[] {py39, py311, alias}) {
      JsonNode running = impulse.awaitStatus(created.get("id").asText(), "RUNNING");
      assertThat(running.get("port").asInt()).isEqualTo(created.get("port").asInt());
      assertThat(running.get("createdTimeMillis").asLong())
          .isEqualTo(created.get("createdTimeMillis").asLong());
    }
    assertThat(callVersion(py39)).startsWith("3.9.");
    assertThat(callVersion(py311)).startsWith("3.11.");
    assertThat(callVersion(alias)).startsWith("3.11.");

    JsonNode listed = impulse.chamber(alias.get("id").asText());
    assertThat(listed.at("/spec/runtime").asText())
        .as("an alias stays an alias")
        .isEqualTo("python3");
    assertThat(impulse.chambers()).hasSize(3);
  }

  private static String callVersion(JsonNode chamber) {
    Http.Response answer = impulse.call(chamber.get("port").asInt(), "{\"name\":\"impulse\"}");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().get("greeting").asText()).isEqualTo("hello, impulse");
    assertThat(answer.json().get("chamber").asText()).isEqualTo(chamber.get("id").asText());
    return answer.json().get("python").asText();
  }

  @Test
  void theStartupStepsOfARunningChamberAreInOrderAndTheWrapperReportsItsOwn() {
    String id = impulse.create("sampleapp", "1.0.0", "python3").get("id").asText();
    int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();

    JsonNode steps = impulse.get("/chambers/" + id + "/startup").json().get("steps");
    assertThat(steps.findValuesAsText("step"))
        .containsExactly(
            "received",
            "recorded",
            "launching",
            "images",
            "prepared",
            "cgroup",
            "mounted",
            "configured",
            "monitor",
            "created",
            "started",
            "ready");
    assertThat(steps.findValues("epochMicros").stream().map(JsonNode::asLong))
        .as("steps are marked as they happen")
        .isSorted();

    JsonNode timings =
        impulse
            .http()
            .get(java.net.URI.create("http://127.0.0.1:" + port + "/healthz"))
            .json()
            .get("timings");
    assertThat(timings.get("started").asDouble())
        .isLessThanOrEqualTo(timings.get("imports_done").asDouble())
        .isLessThanOrEqualTo(timings.get("guest_imported").asDouble())
        .isLessThanOrEqualTo(timings.get("listening").asDouble());
    assertThat(impulse.get("/chambers/nosuch-1-abcde/startup").status()).isEqualTo(404);
  }

  @Test
  void logsHoldWhatTheFunctionPrinted() {
    String id = impulse.create("sampleapp", "1.0.0", "python3").get("id").asText();
    int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
    impulse.call(port, "{\"name\":\"first\"}");
    impulse.call(port, "{\"name\":\"second\"}");
    String logs = awaitLog(id, "second");
    assertThat(logs).contains("greeting first (call 1 in " + id + ")");
    assertThat(impulse.get("/chambers/" + id + "/logs?tail=1").body())
        .isEqualTo("greeting second (call 2 in " + id + ")\n");
    assertThat(impulse.get("/chambers/" + id + "/logs?timestamps=true&tail=1").body())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\S+ stdout greeting second .*\\n");
  }

  private static String awaitLog(String id, String text) {
    for (int i = 0; i < 100; i++) {
      String logs = impulse.get("/chambers/" + id + "/logs").body();
      if (logs.contains(text)) {
        return logs;
      }
      sleep(50);
    }
    throw new AssertionError("the log of " + id + " never showed '" + text + "'");
  }

  @Test
  void aCrashingFunctionBecomesFailedWithItsExitCode() {
    impulse.upload("crash", "1", Functions.crash());
    String id = impulse.create("crash", "1", "python3.9").get("id").asText();
    int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
    assertThat(impulse.call(port, "{\"exit\":5}").status()).isEqualTo(200);
    JsonNode failed = impulse.awaitStatus(id, "FAILED");
    assertThat(failed.get("exitCode").asInt()).isEqualTo(5);
    assertThat(failed.get("reason").asText()).isEqualTo("exited with code 5");
  }

  @Test
  void aFunctionThatExitsCleanlyIsStopped() {
    impulse.upload("crash", "1", Functions.crash());
    String id = impulse.create("crash", "1", "python3").get("id").asText();
    int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
    impulse.call(port, "{\"exit\":0}");
    JsonNode stopped = impulse.awaitStatus(id, "STOPPED");
    assertThat(stopped.get("exitCode").asInt()).isZero();
  }

  @Test
  void aGuestThatFailsToImportFailsWithTheImportError() {
    impulse.upload("badimport", "1", Functions.badImport());
    String id = impulse.create("badimport", "1", "python3.11").get("id").asText();
    JsonNode failed = impulse.awaitStatus(id, "FAILED");
    assertThat(failed.get("reason").asText())
        .isEqualTo("guest import failed: ModuleNotFoundError: No module named 'no_such_module'");
    assertThat(failed.get("exitCode").asInt()).isEqualTo(3);
    assertThat(impulse.get("/chambers/" + id + "/logs").body()).contains("Traceback");
  }

  @Test
  void anExceptionInTheFunctionIsA500NamingItAndTheChamberLivesOn() {
    impulse.upload("raising", "1", Functions.raising());
    String id = impulse.create("raising", "1", "python3").get("id").asText();
    int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
    Http.Response answer = impulse.call(port, "{\"a\":1}");
    assertThat(answer.status()).isEqualTo(500);
    assertThat(answer.json().get("error").asText()).isEqualTo("ValueError");
    assertThat(answer.json().get("message").asText()).isEqualTo("bad input: {'a': 1}");
    Http.Response notJson = impulse.call(port, "{\"a\":");
    assertThat(notJson.status()).isEqualTo(400);
    assertThat(notJson.json().get("error").asText()).isEqualTo("InvalidJSON");
    assertThat(
            impulse
                .http()
                .get(java.net.URI.create("http://127.0.0.1:" + port + "/healthz"))
                .status())
        .isEqualTo(200);
    assertThat(impulse.chamber(id).get("status").asText()).isEqualTo("RUNNING");
  }

  @Test
  void aChamberNotReadyWithinTheStartupTimeoutFails() {
    impulse.upload("slow", "1", Functions.slowImport(30));
    String id = impulse.create("slow", "1", "python3").get("id").asText();
    JsonNode failed = impulse.awaitStatus(id, "FAILED");
    assertThat(failed.get("reason").asText()).startsWith("not ready within 3000 ms");
  }

  /**
   * A destroy sends SIGTERM: the wrapper stops listening and waits for the call in flight, which
   * never returns. So the destroy must wait out the grace period from that SIGTERM, then SIGKILL:
   * the guest is still in its call after the stop, the destroy returns no sooner than the grace
   * period after the port stopped listening (which the SIGTERM caused, so it came before), and the
   * call is cut without an answer instead of finishing.
   */
  @Test
  void destroyingWaitsOutTheGracePeriodForARequestInFlightThenKills() throws Exception {
    Duration grace = impulse.config().stopGrace();
    impulse.upload("blocked", "1", Functions.blockedInACall());
    String id = impulse.create("blocked", "1", "python3").get("id").asText();
    int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
    try (LogStream log = impulse.followLogs(id)) {
      CompletableFuture<Http.Response> inFlight =
          CompletableFuture.supplyAsync(() -> impulse.call(port, "{\"block\":true}"));
      log.until("call 1 in flight"::equals, Duration.ofSeconds(30));

      AtomicLong destroyReturned = new AtomicLong();
      CompletableFuture<Http.Response> destroy =
          CompletableFuture.supplyAsync(() -> {
            Http.Response response = impulse.delete("/chambers/" + id);
            destroyReturned.set(System.nanoTime());
            return response;
          });
      long stopped = awaitNotListening(port, grace.plusSeconds(30));
      assertThat(destroy).as("the destroy waits while its chamber stops").isNotDone();
      assertThat(inFlight).as("SIGTERM does not cut the call in flight").isNotDone();

      Http.Response destroyed = destroy.get(grace.plusSeconds(60).toSeconds(), TimeUnit.SECONDS);
      assertThat(destroyed.status()).as(destroyed.body()).isEqualTo(204);
      // Only the SIGTERM closes the listening socket, so `stopped` comes after it: measured from
      // there the grace period is a lower bound (a few ms of noticing the refusal are far less
      // than the SIGKILL, the exit and the tear-down that follow the grace period).
      assertThat(Duration.ofNanos(destroyReturned.get() - stopped))
          .as("the destroy returned no sooner than the grace period after the SIGTERM")
          .isGreaterThanOrEqualTo(grace);
      assertThat(inFlight)
          .as("the call in flight is cut by the SIGKILL, without an answer")
          .failsWithin(Duration.ofSeconds(30))
          .withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(UncheckedIOException.class);
      List<String> after = log.toEnd(Duration.ofSeconds(30));
      assertThat(after)
          .as("the guest lived on in its call after the stop, and never finished it")
          .contains("call 1 in flight after the stop")
          .doesNotContain("call 1 finished");
    }
    assertThat(impulse.get("/chambers/" + id).status()).isEqualTo(404);
  }

  /**
   * Connects to {@code port} until it refuses; returns the {@link System#nanoTime} just after the
   * first refusal.
   */
  private static long awaitNotListening(int port, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int attempt = 0; attempt < 20_000 && System.nanoTime() < deadline; attempt++) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      } catch (ConnectException refused) {
        return System.nanoTime();
      } catch (IOException slow) {
        continue; // not refused: still listening, only slow to answer
      }
      Thread.sleep(2);
    }
    throw new AssertionError("port " + port + " still listened after " + timeout);
  }

  @Test
  void destroyingAChamberReleasesItsPortAndFiles() {
    String id = impulse.create("sampleapp", "1.0.0", "python3").get("id").asText();
    int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
    assertThat(impulse.exists("chambers/" + id)).isTrue();
    assertThat(impulse.delete("/chambers/" + id).status()).isEqualTo(204);
    assertThat(impulse.exists("chambers/" + id)).isFalse();
    assertThat(
            new dev.impulse.network.HostPorts(java.net.InetAddress.getLoopbackAddress())
                .isFree(port))
        .isTrue();
    assertThat(impulse.delete("/chambers/" + id).status()).isEqualTo(404);
  }

  @Test
  void aDropInArchiveCanBeUsedLikeAnUpload() throws IOException {
    Files.createDirectories(impulse.dataDir().resolve("guests"));
    Files.write(impulse.dataDir().resolve("guests/dropped-2.0.tar"), Functions.sample());
    String id = impulse.create("dropped", "2.0", "python3").get("id").asText();
    int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
    assertThat(impulse.call(port, "{}").json().get("greeting").asText()).isEqualTo("hello, world");
    assertThat(impulse.get("/functions").body()).contains("\"app\":\"dropped\"");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
