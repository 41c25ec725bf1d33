package dev.impulse.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Guests;
import dev.impulse.testing.Http;
import dev.impulse.testing.Tars;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Node.js, Java and native guests on their own runtimes, against real chambers: each language's
 * example answers, and its guests fail, crash and refuse bad input as the wrapper contract says
 * (the same contract as Python's: 400 for a body that is not JSON, 500 with the error's type, a
 * load failure as the chamber's reason with exit code 3, a guest's own exit code reported).
 */
class LanguagesIT {
  static DaemonFixture impulse;

  @BeforeAll
  static void start() throws Exception {
    DaemonFixture.buildBaseimages("node20", "java21", "binary");
    impulse = DaemonFixture.start(DaemonFixture.Options.defaults().withPortCount(30));
    impulse.upload("node-hello", "1", Guests.directory(Path.of("examples/node-hello")));
    impulse.upload(
        "node-esm",
        "1",
        Tars.tar()
            .file("package.json", "{\"type\": \"module\"}")
            .file(
                "index.js",
                """
                export async function skyhook(request, meta) {
                  await new Promise((resolve) => setTimeout(resolve, 5));
                  if (request && request.throw) {
                    throw new TypeError("no " + request.throw);
                  }
                  if (request && request.exit) {
                    setTimeout(() => process.exit(request.exit), 50);
                  }
                  return { got: request, app: meta.app, path: meta.path,
                           env: process.env.GREETING || null };
                }
                """)
            .bytes());
    impulse.upload(
        "node-broken",
        "1",
        Tars.tar()
            .file("index.js", "require('no-such-module');\nexports.skyhook = () => 1;\n")
            .bytes());
    impulse.upload(
        "java-hello",
        "1",
        Tars.tar()
            .file(
                "hello.jar",
                Guests.jar(
                    Map.of(
                        "hello.Hello",
                        Files.readString(
                            Path.of("examples/java-hello/src/main/java/hello/Hello.java"))),
                    "hello.Hello"),
                0644)
            .bytes());
    impulse.upload(
        "java-types",
        "1",
        Tars.tar()
            .file(
                "types.jar",
                Guests.jar(
                    Map.of(
                        "t.Types",
                        """
                        package t;

                        import java.util.List;
                        import java.util.Map;
                        import java.util.function.BiFunction;

                        public class Types implements BiFunction<Object, Map<String, Object>, Object> {
                          @Override
                          public Object apply(Object request, Map<String, Object> meta) {
                            Map<?, ?> map = (Map<?, ?>) request;
                            if (map.containsKey("throw")) {
                              throw new IllegalArgumentException("no " + map.get("throw"));
                            }
                            if (map.containsKey("exit")) {
                              int code = ((Number) map.get("exit")).intValue();
                              new Thread(() -> {
                                try { Thread.sleep(50); } catch (InterruptedException e) { }
                                Runtime.getRuntime().halt(code);
                              }).start();
                            }
                            return Map.of(
                                "n", map.get("n").getClass().getSimpleName(),
                                "list", map.get("list") instanceof List,
                                "app", meta.get("app"),
                                "path", meta.get("path"),
                                "maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20,
                                "cpus", Runtime.getRuntime().availableProcessors());
                          }
                        }
                        """),
                    "t.Types"),
                0644)
            .bytes());
    impulse.upload(
        "java-unnamed",
        "1",
        Tars.tar()
            .file(
                "plain.jar",
                Guests.jar(Map.of("p.Plain", "package p;\npublic class Plain {}\n"), null),
                0644)
            .bytes());
    impulse.upload(
        "native",
        "1",
        Tars.tar()
            .file(
                "skyhook",
                Guests.staticBinary(Path.of("examples/binary-hello/skyhook.c").toAbsolutePath()),
                0755)
            .bytes());
  }

  @AfterAll
  static void stop() {
    if (impulse != null) {
      impulse.close();
    }
  }

  @AfterEach
  void destroyEverything() {
    impulse.destroyAll();
  }

  @Test
  void theNodeExampleAnswersOnTheNodeAlias() {
    int port = running("node-hello", "node");
    Http.Response answer = impulse.call(port, "{\"name\":\"impulse\"}");
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.body()).contains("impulse");
  }

  @Test
  void anEsModuleMayAnswerWithAPromiseAndSeesMetaAndEnv() {
    Http.Response created =
        impulse.post(
            "/chambers",
            "{\"app\":\"node-esm\",\"version\":\"1\",\"runtime\":\"node20\","
                + "\"env\":{\"GREETING\":\"hi\"}}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    int port =
        impulse.awaitStatus(created.json().get("id").asText(), "RUNNING").get("port").asInt();
    JsonNode answer = impulse.call(port, "{\"n\":[1,2]}").json();
    assertThat(answer.get("got").get("n").size()).isEqualTo(2);
    assertThat(answer.get("app").asText()).isEqualTo("node-esm");
    assertThat(answer.get("path").asText()).isEqualTo("/");
    assertThat(answer.get("env").asText()).isEqualTo("hi");
  }

  @Test
  void aNodeGuestThatThrowsAnswers500WithItsErrorAndBadJsonIs400() {
    int port = running("node-esm", "node20");
    Http.Response thrown = impulse.call(port, "{\"throw\":\"way\"}");
    assertThat(thrown.status()).isEqualTo(500);
    assertThat(thrown.json().get("error").asText()).isEqualTo("TypeError");
    assertThat(thrown.json().get("message").asText()).isEqualTo("no way");
    Http.Response notJson = impulse.call(port, "{nope");
    assertThat(notJson.status()).isEqualTo(400);
    assertThat(notJson.json().get("error").asText()).isEqualTo("InvalidJSON");
    assertThat(healthz(port).get("timings").has("guest_imported")).isTrue();
  }

  @Test
  void aNodeGuestThatCannotLoadFailsTheChamberWithTheReason() {
    JsonNode failed = failed("node-broken", "node20");
    assertThat(failed.get("exitCode").asInt()).isEqualTo(3);
    assertThat(failed.get("reason").asText())
        .contains("guest import failed")
        .contains("no-such-module");
  }

  @Test
  void aNodeGuestThatExitsHasItsExitCodeReported() {
    String id = impulse.create("node-esm", "1", "node20").get("id").asText();
    int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
    assertThat(impulse.call(port, "{\"exit\":5}").status()).isEqualTo(200);
    assertThat(impulse.awaitStatus(id, "FAILED").get("exitCode").asInt()).isEqualTo(5);
  }

  @Test
  void theJavaExampleAnswersOnTheJavaAlias() {
    int port = running("java-hello", "java");
    Http.Response answer = impulse.call(port, "{\"name\":\"impulse\"}");
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.body()).contains("impulse");
  }

  @Test
  void aJavaGuestGetsPlainJsonTypesAndItsExceptionsAre500() {
    int port = running("java-types", "java21");
    JsonNode answer = impulse.call(port, "{\"n\":7,\"list\":[1]}").json();
    assertThat(answer.get("n").asText()).isEqualTo("Integer");
    assertThat(answer.get("list").asBoolean()).isTrue();
    assertThat(answer.get("app").asText()).isEqualTo("java-types");
    Http.Response thrown = impulse.call(port, "{\"throw\":\"way\"}");
    assertThat(thrown.status()).isEqualTo(500);
    assertThat(thrown.json().get("error").asText()).isEqualTo("java.lang.IllegalArgumentException");
    assertThat(thrown.json().get("message").asText()).isEqualTo("no way");
    assertThat(impulse.call(port, "[1,").status()).isEqualTo(400);
    assertThat(healthz(port).get("timings").has("guest_imported")).isTrue();
  }

  @Test
  void aJavaChambersHeapAndCpusFollowItsSpecNotTheHost() {
    JsonNode answer =
        specialised(
            "{\"app\":\"java-types\",\"version\":\"1\",\"runtime\":\"java21\","
                + "\"memoryMb\":128,\"cpus\":1}",
            "cold");
    // half of its 128 MiB (the limit also holds /tmp and the JVM's own memory), never the host's
    assertThat(answer.get("maxHeapMiB").asLong()).isBetween(32L, 64L);
    assertThat(answer.get("cpus").asInt()).isEqualTo(1);
  }

  @Test
  void aJarNamingNoFunctionFailsTheChamberWithTheReason() {
    JsonNode failed = failed("java-unnamed", "java21");
    assertThat(failed.get("exitCode").asInt()).isEqualTo(3);
    assertThat(failed.get("reason").asText())
        .contains("guest import failed")
        .contains("Skyhook-Function");
  }

  @Test
  void aJavaGuestThatExitsHasItsExitCodeReported() {
    String id = impulse.create("java-types", "1", "java21").get("id").asText();
    int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
    assertThat(impulse.call(port, "{\"n\":1,\"exit\":4}").status()).isEqualTo(200);
    assertThat(impulse.awaitStatus(id, "FAILED").get("exitCode").asInt()).isEqualTo(4);
  }

  @Test
  void aStaticBinaryServesItselfAndItsExitCodeIsReported() {
    String id = impulse.create("native", "1", "binary").get("id").asText();
    int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
    Http.Response answer = impulse.call(port, "{\"name\":\"impulse\"}");
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.json().get("chamber").asText()).isEqualTo(id);
    Http.Response exit =
        impulse.http().postJson(URI.create("http://127.0.0.1:" + port + "/exit/7"), "{}");
    assertThat(exit.status()).isEqualTo(200);
    assertThat(impulse.awaitStatus(id, "FAILED").get("exitCode").asInt()).isEqualTo(7);
  }

  @Test
  void aFunctionOnAnotherLanguagesRuntimeIsRefusedAndLeavesNothing() {
    Http.Response refused =
        impulse.post(
            "/chambers", "{\"app\":\"node-hello\",\"version\":\"1\",\"runtime\":\"java21\"}");
    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.json().get("type").asText()).endsWith("runtime-mismatch");
    assertThat(refused.json().get("detail").asText())
        .contains("node-hello")
        .contains("Skyhook-Function");
    assertThat(impulse.chambers()).isEmpty();
    impulse.assertNothingLeaked();
  }

  @Test
  void nodeAndJavaCellsAreSpecialisedAndABinaryHasNoPool() {
    try {
      for (String runtime : java.util.List.of("node20", "java21")) {
        assertThat(impulse.putJson("/runtimes/" + runtime + "/pool", "{\"size\":1}").status())
            .isEqualTo(200);
      }
      awaitReadyCells("node20", "java21");
      // A Node.js cell takes the chamber's env and a limit above the cell's own (2 CPUs).
      JsonNode node =
          specialised(
              "{\"app\":\"node-esm\",\"version\":\"1\",\"runtime\":\"node20\","
                  + "\"env\":{\"GREETING\":\"hi\"},\"cpus\":2}",
              "pool");
      assertThat(node.get("env").asText()).isEqualTo("hi");
      assertThat(node.get("app").asText()).isEqualTo("node-esm");
      // A Java cell takes a spec of the default size and no env; others start cold.
      JsonNode java =
          specialised("{\"app\":\"java-types\",\"version\":\"1\",\"runtime\":\"java21\"}", "pool");
      assertThat(java.get("app").asText()).isEqualTo("java-types");
      assertThat(java.get("maxHeapMiB").asLong()).isLessThanOrEqualTo(128L);
      awaitReadyCells("java21");
      specialised(
          "{\"app\":\"java-types\",\"version\":\"1\",\"runtime\":\"java21\","
              + "\"env\":{\"GREETING\":\"hi\"}}",
          "cold");
      specialised(
          "{\"app\":\"java-types\",\"version\":\"1\",\"runtime\":\"java21\",\"memoryMb\":128}",
          "cold");
      Http.Response binary = impulse.putJson("/runtimes/binary/pool", "{\"size\":1}");
      assertThat(binary.status()).isEqualTo(400);
      assertThat(binary.json().get("detail").asText()).contains("has no pool");
    } finally {
      for (String runtime : java.util.List.of("node20", "java21")) {
        impulse.putJson("/runtimes/" + runtime + "/pool", "{\"size\":0}");
      }
      impulse.drainPools();
    }
  }

  /** Creates a chamber of {@code body}, checks where it came from and answers its first call. */
  private static JsonNode specialised(String body, String source) {
    Http.Response created = impulse.post("/chambers", body);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.json().get("id").asText();
    int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
    assertThat(impulse.get("/chambers/" + id + "/startup").json().get("source").asText())
        .as(body)
        .isEqualTo(source);
    Http.Response answer = impulse.call(port, "{\"n\":1}");
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    return answer.json();
  }

  private static int running(String app, String runtime) {
    String id = impulse.create(app, "1", runtime).get("id").asText();
    return impulse.awaitStatus(id, "RUNNING").get("port").asInt();
  }

  private static JsonNode failed(String app, String runtime) {
    String id = impulse.create(app, "1", runtime).get("id").asText();
    return impulse.awaitStatus(id, "FAILED");
  }

  private static JsonNode healthz(int port) {
    return impulse.http().get(URI.create("http://127.0.0.1:" + port + "/healthz")).json();
  }

  private static void awaitReadyCells(String... runtimes) {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (JsonNode runtime : impulse.get("/runtimes").json()) {
        if (java.util.Arrays.asList(runtimes).contains(runtime.get("name").asText())) {
          all &= runtime.get("pool").get("ready").asInt() >= 1;
        }
      }
      if (all) {
        return;
      }
      try {
        Thread.sleep(100); // polling the API, bounded by the deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("no ready cells of " + String.join(", ", runtimes));
  }
}
