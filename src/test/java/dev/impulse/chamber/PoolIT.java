package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import dev.impulse.testing.Http;
import dev.impulse.testing.Tars;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stem cells: chambers specialised from a runtime's pool behave as cold-started ones, a cell serves
 * one chamber only, the function cannot reach the control path, and pools refill and resize.
 */
class PoolIT {
  static final String RUNTIME = "python3.11";
  static DaemonFixture impulse;

  @BeforeAll
  static void start() {
    impulse = DaemonFixture.start(DaemonFixture.Options.defaults().withPortCount(40));
    impulse.upload("introspect", "1", Functions.introspect());
    impulse.upload("crash", "1", Functions.crash());
    impulse.upload("bad", "1", Functions.badImport());
    impulse.upload("hog", "1", Functions.memoryHog());
    impulse.upload(
        "preloaded",
        "1",
        Tars.function(
            """
            import sys

            FOUND_AT_IMPORT = sorted(m for m in ("decimal", "platform", "uuid") if m in sys.modules)

            def skyhook(request, meta):
                return {"found": FOUND_AT_IMPORT, "timings": sys.modules["__main__"].TIMINGS}
            """));
    impulse.upload(
        "shadow",
        "1",
        Tars.tar()
            .file(
                "main.py",
                """
                import sys
                import platform

                def skyhook(request, meta):
                    return {"platform": platform.python_version(), "uuidLoaded": "uuid" in sys.modules}
                """)
            .file(
                "platform.py",
                """
                def python_version():
                    return "the guest's own"
                """)
            .bytes());
    impulse.upload(
        "control",
        "1",
        Tars.function(
            """
            import os, socket

            def skyhook(request, meta):
                found = {}
                for path in ["/run/skyhook/control"]:
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    try:
                        s.connect(path)
                        found[path] = "connected"
                    except OSError as e:
                        found[path] = type(e).__name__
                    finally:
                        s.close()
                sockets = 0
                for fd in os.listdir("/proc/self/fd"):
                    try:
                        if os.readlink("/proc/self/fd/" + fd).startswith("socket:"):
                            sockets += 1
                    except OSError:
                        pass
                found["sockets"] = sockets
                found["env"] = sorted(k for k in os.environ if k.startswith("SKYHOOK_CONTROL"))
                try:
                    open("/opt/guest/written", "w").write("x")
                    found["guest"] = "writable"
                except OSError as e:
                    found["guest"] = type(e).__name__
                return found
            """));
    resize(1);
  }

  @AfterAll
  static void stop() {
    impulse.close();
  }

  @AfterEach
  void destroyEverything() {
    impulse.destroyAll();
  }

  @Test
  void aPooledChamberGetsItsFunctionEnvIdentityAndLimits() {
    String cell = awaitReadyCell();
    JsonNode chamber =
        running(
            "{\"app\":\"introspect\",\"version\":\"1\",\"runtime\":\"python3\","
                + "\"env\":{\"GREETING\":\"hello\",\"TZ\":\"UTC\"},\"memoryMb\":96,\"pids\":64}");
    String id = chamber.get("id").asText();
    JsonNode startup = impulse.get("/chambers/" + id + "/startup").json();
    assertThat(startup.get("source").asText()).isEqualTo("pool");
    assertThat(startup.get("cell").asText()).isEqualTo(cell);
    List<String> steps = new ArrayList<>();
    startup.get("steps").forEach(s -> steps.add(s.get("step").asText()));
    // The cell is specialised while the chamber is recorded: the two sets of steps interleave.
    assertThat(steps)
        .containsSubsequence("received", "taken", "delivered", "limited", "specialised", "ready");
    assertThat(steps).contains("recorded");

    JsonNode env = impulse.call(chamber.get("port").asInt(), "{}").json().get("env");
    assertThat(env.get("GREETING").asText()).isEqualTo("hello");
    assertThat(env.get("SKYHOOK_CHAMBER_ID").asText()).isEqualTo(id);
    assertThat(env.get("SKYHOOK_APP").asText()).isEqualTo("introspect");
    assertThat(env.has("SKYHOOK_CONTROL")).isFalse();

    JsonNode stats = impulse.get("/chambers/" + id + "/stats").json();
    // memory plus the default 256 MiB /tmp, as for a cold start
    assertThat(stats.get("memoryLimitBytes").asLong()).isEqualTo((96L + 256) << 20);
    assertThat(stats.get("pidsLimit").asLong()).isEqualTo(64);
  }

  @Test
  void aCellServesOneChamberAndThePoolRefillsWithAnother() {
    String first = awaitReadyCell();
    JsonNode chamber =
        running("{\"app\":\"introspect\",\"version\":\"1\",\"runtime\":\"python3\"}");
    String id = chamber.get("id").asText();
    assertThat(impulse.get("/chambers/" + id + "/startup").json().get("cell").asText())
        .isEqualTo(first);
    assertThat(impulse.delete("/chambers/" + id).status()).isEqualTo(204);

    String second = awaitReadyCell();
    assertThat(second).isNotEqualTo(first);
    JsonNode next = running("{\"app\":\"introspect\",\"version\":\"1\",\"runtime\":\"python3\"}");
    JsonNode startup = impulse.get("/chambers/" + next.get("id").asText() + "/startup").json();
    assertThat(startup.get("cell").asText()).isEqualTo(second);
  }

  @Test
  void aCellWaitsWithCommonModulesLoadedAndItsRequestPathRehearsedAColdStartDoesNot() {
    awaitReadyCell();
    JsonNode pooled = running("{\"app\":\"preloaded\",\"version\":\"1\",\"runtime\":\"python3\"}");
    JsonNode answer = impulse.call(pooled.get("port").asInt(), "{}").json();
    assertThat(answer.get("found").toString()).isEqualTo("[\"decimal\",\"platform\",\"uuid\"]");
    JsonNode timings = answer.get("timings");
    assertThat(timings.get("preloaded").asDouble())
        .isLessThanOrEqualTo(timings.get("rehearsed").asDouble());
    assertThat(timings.get("rehearsed").asDouble())
        .isLessThanOrEqualTo(timings.get("specialised").asDouble());

    JsonNode cold =
        running(
            "{\"app\":\"preloaded\",\"version\":\"1\",\"runtime\":\"python3\","
                + "\"env\":{\"PYTHONHASHSEED\":\"1\"}}");
    JsonNode coldAnswer = impulse.call(cold.get("port").asInt(), "{}").json();
    assertThat(coldAnswer.get("found").toString()).isEqualTo("[]");
    assertThat(coldAnswer.get("timings").has("rehearsed")).isFalse();
  }

  @Test
  void aGuestsOwnModuleOfAPreloadedNameWinsAsOnAColdStart() {
    awaitReadyCell();
    JsonNode pooled = running("{\"app\":\"shadow\",\"version\":\"1\",\"runtime\":\"python3\"}");
    assertThat(
            impulse
                .get("/chambers/" + pooled.get("id").asText() + "/startup")
                .json()
                .get("source")
                .asText())
        .isEqualTo("pool");
    JsonNode answer = impulse.call(pooled.get("port").asInt(), "{}").json();
    assertThat(answer.get("platform").asText()).isEqualTo("the guest's own");
    assertThat(answer.get("uuidLoaded").asBoolean()).isFalse();
  }

  @Test
  void aSpecACellCannotTakeStartsCold() {
    awaitReadyCell();
    JsonNode chamber =
        running(
            "{\"app\":\"introspect\",\"version\":\"1\",\"runtime\":\"python3\","
                + "\"env\":{\"PYTHONHASHSEED\":\"1\"}}");
    JsonNode startup = impulse.get("/chambers/" + chamber.get("id").asText() + "/startup").json();
    assertThat(startup.get("source").asText()).isEqualTo("cold");
    assertThat(pool().get("ready").asInt()).isEqualTo(1);
    JsonNode sized =
        running("{\"app\":\"introspect\",\"version\":\"1\",\"runtime\":\"python3\",\"diskMb\":32}");
    JsonNode sizedStartup =
        impulse.get("/chambers/" + sized.get("id").asText() + "/startup").json();
    assertThat(sizedStartup.get("source").asText()).isEqualTo("cold");
  }

  @Test
  void theFunctionCannotReachTheControlPathNorWriteItsFiles() {
    awaitReadyCell();
    JsonNode chamber = running("{\"app\":\"control\",\"version\":\"1\",\"runtime\":\"python3\"}");
    JsonNode found = impulse.call(chamber.get("port").asInt(), "{}").json();
    assertThat(found.get("/run/skyhook/control").asText()).isEqualTo("ConnectionRefusedError");
    assertThat(found.get("env")).isEmpty();
    // The listening socket and the one connection of the caller: no control connection is left.
    assertThat(found.get("sockets").asInt()).isLessThanOrEqualTo(2);
    assertThat(found.get("guest").asText()).isEqualTo("OSError");
  }

  @Test
  void aPooledChamberExitsFailsAndRestartsLikeACold() {
    awaitReadyCell();
    JsonNode chamber =
        running(
            "{\"app\":\"crash\",\"version\":\"1\",\"runtime\":\"python3\","
                + "\"restart\":\"on-failure\",\"maxRestarts\":1}");
    String id = chamber.get("id").asText();
    impulse.call(chamber.get("port").asInt(), "{\"exit\":7}");
    JsonNode restarted =
        impulse.awaitStatus(
            id,
            s -> s.equals("RUNNING") && impulse.chamber(id).get("restarts").asInt() == 1,
            Duration.ofSeconds(60));
    assertThat(restarted.get("restarts").asInt()).isEqualTo(1);
    assertThat(impulse.get("/chambers/" + id + "/startup").json().get("source").asText())
        .isEqualTo("cold");
    assertThat(impulse.call(restarted.get("port").asInt(), "{\"exit\":3}").status()).isEqualTo(200);
    JsonNode failed = impulse.awaitStatus(id, "FAILED");
    assertThat(failed.get("exitCode").asInt()).isEqualTo(3);
    assertThat(impulse.get("/chambers/" + id + "/logs").body()).contains("exiting with 7");
  }

  @Test
  void aPooledChamberOverItsMemoryIsOomKilled() {
    awaitReadyCell();
    JsonNode hog =
        running("{\"app\":\"hog\",\"version\":\"1\",\"runtime\":\"python3\",\"memoryMb\":48}");
    JsonNode hogStartup = impulse.get("/chambers/" + hog.get("id").asText() + "/startup").json();
    assertThat(hogStartup.get("source").asText()).isEqualTo("pool");
    try {
      impulse.call(hog.get("port").asInt(), "{\"mb\":400}");
    } catch (java.io.UncheckedIOException killedWhileAnswering) {
      // the kernel killed it before it could answer
    }
    JsonNode failed = impulse.awaitStatus(hog.get("id").asText(), "FAILED");
    assertThat(failed.get("reason").asText()).isEqualTo("OOMKilled");
  }

  @Test
  void aGuestThatCannotBeImportedFailsItsChamberAndLeavesNothing() {
    awaitReadyCell();
    Http.Response created =
        impulse.post("/chambers", "{\"app\":\"bad\",\"version\":\"1\",\"runtime\":\"python3\"}");
    assertThat(created.status()).isEqualTo(201);
    String id = created.json().get("id").asText();
    JsonNode failed = impulse.awaitStatus(id, "FAILED");
    assertThat(failed.get("reason").asText()).contains("guest import failed");
    assertThat(failed.get("reason").asText()).contains("no_such_module");
    assertThat(impulse.delete("/chambers/" + id).status()).isEqualTo(204);
    impulse.drainPools();
    impulse.assertNothingLeaked();
    resize(1);
  }

  @Test
  void poolsResizeAndRefuseWhatIsNotASize() {
    JsonNode resized = impulse.putJson("/runtimes/" + RUNTIME + "/pool", "{\"size\":2}").json();
    assertThat(resized.get("pool").get("size").asInt()).isEqualTo(2);
    awaitPool(p -> p.get("ready").asInt() == 2);
    assertThat(pool().get("memoryBytes").asLong()).isPositive();
    awaitPool(p -> p.get("ready").asInt() == 2);
    assertThat(impulse.putJson("/runtimes/" + RUNTIME + "/pool", "{\"size\":65}").status())
        .isEqualTo(400);
    assertThat(impulse.putJson("/runtimes/" + RUNTIME + "/pool", "{\"size\":\"2\"}").status())
        .isEqualTo(400);
    assertThat(impulse.putJson("/runtimes/" + RUNTIME + "/pool", "{\"sise\":1}").status())
        .isEqualTo(400);
    Http.Response unknown = impulse.putJson("/runtimes/cobol/pool", "{\"size\":1}");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.header("Content-Type")).startsWith("application/problem+json");
    resize(0);
    awaitPool(p -> p.get("ready").asInt() == 0 && p.get("starting").asInt() == 0);
    impulse.assertNothingLeaked();
    resize(1);
  }

  @Test
  void aDaemonKilledWithCellsComesBackWithItsChambersAndAFreshPool() {
    try (DaemonFixture killed =
        DaemonFixture.startProcess(
            DaemonFixture.Options.defaults().withPortCount(20).withArgs("--pool-size", "1"))) {
      killed.upload("introspect", "1", Functions.introspect());
      List<String> before = cells(awaitPool(killed, p -> p.get("ready").asInt() == 1));
      Http.Response created =
          killed.post(
              "/chambers", "{\"app\":\"introspect\",\"version\":\"1\",\"runtime\":\"python3\"}");
      String id = created.json().get("id").asText();
      JsonNode chamber = killed.awaitStatus(id, "RUNNING");
      List<String> left = cells(awaitPool(killed, p -> p.get("ready").asInt() == 1));

      killed.kill();
      killed.restart();

      // The pooled chamber is adopted like any other; the cells ready at the kill are removed.
      assertThat(killed.chamber(id).get("status").asText()).isEqualTo("RUNNING");
      assertThat(killed.call(chamber.get("port").asInt(), "{}").status()).isEqualTo(200);
      JsonNode pool = awaitPool(killed, p -> p.get("ready").asInt() == 1);
      assertThat(cells(pool)).doesNotContainAnyElementsOf(before).doesNotContainAnyElementsOf(left);
      assertThat(killed.log()).content().contains("left by an earlier daemon; removed");
    }
  }

  private static List<String> cells(JsonNode pool) {
    List<String> names = new ArrayList<>();
    pool.get("cells").forEach(c -> names.add(c.asText()));
    return names;
  }

  private static void resize(int size) {
    Http.Response response =
        impulse.putJson("/runtimes/" + RUNTIME + "/pool", "{\"size\":" + size + "}");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
  }

  private static JsonNode pool() {
    return pool(impulse);
  }

  private static JsonNode pool(DaemonFixture daemon) {
    for (JsonNode runtime : daemon.get("/runtimes").json()) {
      if (runtime.get("name").asText().equals(RUNTIME)) {
        return runtime.get("pool");
      }
    }
    throw new AssertionError("no runtime " + RUNTIME);
  }

  private static JsonNode awaitPool(java.util.function.Predicate<JsonNode> until) {
    return awaitPool(impulse, until);
  }

  private static JsonNode awaitPool(
      DaemonFixture daemon, java.util.function.Predicate<JsonNode> until) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode pool = pool(daemon);
      if (until.test(pool)) {
        return pool;
      }
      try {
        Thread.sleep(50); // polling the API, bounded by the deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("the pool did not get there: " + pool(daemon));
  }

  /** Waits for a ready cell and returns the name of the one the next create takes. */
  private static String awaitReadyCell() {
    return awaitPool(p -> p.get("ready").asInt() >= 1).get("cells").get(0).asText();
  }

  private static JsonNode running(String body) {
    Http.Response created = impulse.post("/chambers", body);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return impulse.awaitStatus(created.json().get("id").asText(), "RUNNING");
  }
}
