package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.linux.Processes;
import dev.impulse.runtime.Conmon;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.EventStream;
import dev.impulse.testing.Functions;
import dev.impulse.testing.Runc;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Health probes, restart policies, the event stream, log following, stats, monitor loss. */
class MonitoringIT {
  static DaemonFixture impulse;
  static Runc runc;

  @BeforeAll
  static void start() {
    impulse = DaemonFixture.start();
    runc = new Runc(Path.of(impulse));
    impulse.upload("sampleapp", "1.0.0", Functions.sample());
    impulse.upload("crash", "1", Functions.crash());
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

  private static String running(String body) {
    JsonNode created = impulse.post("/chambers", body).json();
    String id = created.get("id").asText();
    impulse.awaitStatus(id, "RUNNING");
    return id;
  }

  @Test
  void aChamberThatStopsAnsweringIsReportedUnhealthyWithoutExiting() throws Exception {
    String id = running("{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python3\"}");
    JsonNode healthy = awaitHealth(id, "healthy");
    long lastGood = healthy.get("lastHealthyTimeMillis").asLong();
    assertThat(lastGood).isPositive();
    try (EventStream events = impulse.events(-1)) {
      runc.run("pause", id);
      JsonNode unhealthy = awaitHealth(id, "unhealthy");
      assertThat(unhealthy.get("status").asText()).isEqualTo("RUNNING");
      assertThat(unhealthy.get("lastHealthyTimeMillis").asLong()).isGreaterThanOrEqualTo(lastGood);
      JsonNode event =
          events
              .until(e -> e.get("kind").asText().equals("health"), Duration.ofSeconds(5))
              .getLast();
      assertThat(event.get("to").asText()).isEqualTo("UNHEALTHY");
      assertThat(event.get("reason").asText()).contains("no answer").contains("last answered at");
      runc.run("resume", id);
      awaitHealth(id, "healthy");
    }
  }

  private static JsonNode awaitHealth(String id, String health) throws InterruptedException {
    for (int i = 0; i < 300; i++) {
      JsonNode chamber = impulse.chamber(id);
      if (chamber.has("health") && chamber.get("health").asText().equals(health)) {
        return chamber;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(id + " never became " + health + ": " + impulse.chamber(id));
  }

  @Test
  void aFailingChamberIsRestartedWithItsIdAndPortUpToItsLimit() throws Exception {
    String id =
        running(
            "{\"app\":\"crash\",\"version\":\"1\",\"runtime\":\"python3\",\"restart\":\"on-failure\",\"maxRestarts\":2}");
    int port = impulse.chamber(id).get("port").asInt();
    for (int restart = 1; restart <= 2; restart++) {
      impulse.call(port, "{\"exit\":3}");
      int expected = restart;
      JsonNode back =
          impulse.awaitStatus(
              id,
              s -> s.equals("RUNNING") && impulse.chamber(id).get("restarts").asInt() == expected,
              Duration.ofSeconds(60));
      assertThat(back.get("port").asInt()).isEqualTo(port);
      assertThat(
              impulse
                  .http()
                  .get(java.net.URI.create("http://127.0.0.1:" + port + "/healthz"))
                  .status())
          .isEqualTo(200);
    }
    impulse.call(port, "{\"exit\":3}");
    JsonNode failed = impulse.awaitStatus(id, "FAILED");
    assertThat(failed.get("exitCode").asInt()).isEqualTo(3);
    assertThat(failed.get("restarts").asInt()).isEqualTo(2);
    assertThat(failed.get("reason").asText())
        .isEqualTo("exited with code 3; gave up after 2 restart(s)");
    assertThat(impulse.get("/chambers/" + id + "/logs").body())
        .as("logs of every run are kept")
        .isEqualTo("exiting with 3\nexiting with 3\nexiting with 3\n");
  }

  @Test
  void aCleanExitIsNotRestarted() {
    String id =
        running(
            "{\"app\":\"crash\",\"version\":\"1\",\"runtime\":\"python3\",\"restart\":\"on-failure\"}");
    impulse.call(impulse.chamber(id).get("port").asInt(), "{\"exit\":0}");
    JsonNode stopped = impulse.awaitStatus(id, "STOPPED");
    assertThat(stopped.get("restarts").asInt()).isZero();
  }

  @Test
  void aReconnectingEventStreamMissesNothingThatIsRetained() throws Exception {
    String id;
    long lastSeen;
    try (EventStream events = impulse.events(-1)) {
      id = impulse.create("sampleapp", "1.0.0", "python3").get("id").asText();
      List<JsonNode> seen = events.until(EventStream.to(id, "RUNNING"), Duration.ofSeconds(60));
      assertThat(seen)
          .extracting(e -> e.get("to").asText())
          .containsSubsequence("STARTING", "RUNNING");
      assertThat(seen.getFirst().get("from").isNull()).isTrue();
      lastSeen = events.lastId();
    }
    // While nobody listens:
    assertThat(impulse.delete("/chambers/" + id).status()).isEqualTo(204);
    try (EventStream again = impulse.events(lastSeen)) {
      List<JsonNode> missed = again.until(EventStream.to(id, "DELETED"), Duration.ofSeconds(10));
      assertThat(missed).allSatisfy(e -> assertThat(e.get("id").asLong()).isGreaterThan(lastSeen));
      assertThat(missed)
          .filteredOn(e -> e.path("chamber").asText().equals(id))
          .extracting(e -> e.get("to").asText())
          .containsExactly("STOPPING", "STOPPED", "DELETED");
      assertThat(missed.getLast().get("time").asLong()).isPositive();
    }
  }

  @Test
  void logsCanBeFollowedUntilTheChamberEnds() throws Exception {
    String id = running("{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python3.9\"}");
    int port = impulse.chamber(id).get("port").asInt();
    impulse.call(port, "{\"name\":\"before\"}");
    HttpResponse<Stream<String>> follow =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(impulse.uri("/chambers/" + id + "/logs?follow=true&tail=1"))
                    .header("Authorization", "Bearer " + impulse.token())
                    .build(),
                HttpResponse.BodyHandlers.ofLines());
    Iterator<String> lines = follow.body().iterator();
    assertThat(lines.next()).startsWith("greeting before");
    impulse.call(port, "{\"name\":\"after\"}");
    assertThat(lines.next()).startsWith("greeting after");
    CompletableFuture<Integer> destroyed =
        CompletableFuture.supplyAsync(() -> impulse.delete("/chambers/" + id).status());
    CompletableFuture<Boolean> ended =
        CompletableFuture.supplyAsync(() -> {
          while (lines.hasNext()) {
            lines.next();
          }
          return true;
        });
    assertThat(ended.get(30, TimeUnit.SECONDS)).as("the stream ends with the chamber").isTrue();
    assertThat(destroyed.get(30, TimeUnit.SECONDS)).isEqualTo(204);
  }

  @Test
  void aStartedChamberIsRunningToRuncWithItsStartFifoGone() {
    String id = running("{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python3\"}");
    // The daemon starts containers itself (ExecFifo): runc must see what its own start leaves.
    assertThat(runc.run("state", id)).contains("\"status\": \"running\"");
    assertThat(impulse.runDir().resolve("runc").resolve(id).resolve("exec.fifo")).doesNotExist();
    assertThat(impulse.runDir().resolve("runc").resolve(id)).isDirectory();
  }

  @Test
  void statsComeFromTheChambersCgroup() {
    String id =
        running(
            "{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python3\",\"pids\":100}");
    impulse.call(impulse.chamber(id).get("port").asInt(), "{}");
    JsonNode stats = impulse.get("/chambers/" + id + "/stats").json();
    assertThat(stats.get("memoryBytes").asLong()).isGreaterThan(1 << 20);
    assertThat(stats.get("memoryPeakBytes").asLong())
        .isGreaterThanOrEqualTo(stats.get("memoryBytes").asLong());
    assertThat(stats.get("memoryLimitBytes").asLong())
        .as("the daemon's defaults: memory and disk, whose tmpfs is memory too")
        .isEqualTo((256L + 256L) << 20);
    assertThat(stats.get("cpuNanos").asLong()).isPositive();
    assertThat(stats.get("pids").asLong()).isBetween(1L, 100L);
    assertThat(stats.get("pidsLimit").asLong()).isEqualTo(100);
  }

  @Test
  void statsOfAnEndedChamberAreAConflict() {
    String id = running("{\"app\":\"crash\",\"version\":\"1\",\"runtime\":\"python3\"}");
    impulse.call(impulse.chamber(id).get("port").asInt(), "{\"exit\":1}");
    impulse.awaitStatus(id, "FAILED");
    assertThat(impulse.get("/chambers/" + id + "/stats").status()).isEqualTo(409);
  }

  @Test
  void aChamberWhoseMonitorDiesIsFailedAndItsContainerStopped() throws IOException {
    String id = running("{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python3\"}");
    int conmon =
        Conmon.readPid(impulse.dataDir().resolve("chambers").resolve(id).resolve("conmon.pid"))
            .orElseThrow();
    int container = runc.pid(id);
    Processes.signal(conmon, 9);
    JsonNode failed = impulse.awaitStatus(id, "FAILED");
    assertThat(failed.get("reason").asText()).contains("monitor (conmon) ended unexpectedly");
    assertThat(failed.has("exitCode")).isFalse();
    for (int i = 0; i < 100 && Processes.isRunning(container); i++) {
      sleep(50);
    }
    assertThat(Processes.isRunning(container)).as("its container was stopped").isFalse();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The run directory of the fixture, for runc. */
  private static final class Path {
    static java.nio.file.Path of(DaemonFixture fixture) {
      return fixture.daemon().config().runDir();
    }
  }
}
