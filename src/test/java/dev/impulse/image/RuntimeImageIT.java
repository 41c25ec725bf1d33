package dev.impulse.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.linux.FileTrees;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Http;
import dev.impulse.testing.LocalRegistry;
import dev.impulse.testing.Tars;
import dev.impulse.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runtimes pulled from a real registry (Debian's docker-registry) run functions. The runtime image
 * is made by umoci from the Python baseimage's root file system, with layers umoci adds on top: a
 * whiteout of {@code /usr/bin/python3}, an interpreter link in {@code /usr/local/bin} and a marker
 * file; and pushed by skopeo. So impulse pulls what other tools made, and the chamber sees the
 * image as an OCI engine would.
 */
class RuntimeImageIT {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();
  static LocalRegistry registry;
  static DaemonFixture impulse;
  static Path scratch;
  static String image;

  @BeforeAll
  static void start() throws Exception {
    DaemonFixture.buildBaseimages("python3.11");
    registry = LocalRegistry.start();
    scratch = Files.createTempDirectory("impulse-runtime-image-");
    image = registry.host() + "/runtimes/python:3.11-it";
    Path layout = scratch.resolve("layout");
    Path bundle = scratch.resolve("bundle");
    String tagged = layout + ":py";
    Tools.run("umoci", "init", "--layout", layout.toString());
    Tools.run("umoci", "new", "--image", tagged);
    Tools.run("umoci", "unpack", "--image", tagged, bundle.toString());
    Path rootfs = DaemonFixture.BASEIMAGES.resolve("os");
    try (Stream<Path> built = Files.list(rootfs)) {
      rootfs =
          built
              .filter(p -> p.getFileName().toString().startsWith("python3.11-"))
              .findFirst()
              .orElseThrow()
              .resolve("rootfs");
    }
    Tools.run("cp", "-a", rootfs + "/.", bundle.resolve("rootfs").toString());
    Tools.run("umoci", "repack", "--image", tagged, bundle.toString());
    Tools.run("umoci", "insert", "--image", tagged, "--whiteout", "/usr/bin/python3");
    Path bin = Files.createDirectories(scratch.resolve("bin"));
    Files.createSymbolicLink(bin.resolve("python3"), Path.of("/usr/bin/python3.11"));
    Tools.run("umoci", "insert", "--image", tagged, bin.toString(), "/usr/local/bin");
    Path mark = Files.writeString(scratch.resolve("mark"), "from the image\n");
    Tools.run("umoci", "insert", "--image", tagged, mark.toString(), "/etc/impulse-mark");
    Tools.run(
        "umoci",
        "config",
        "--image",
        tagged,
        "--config.env",
        "PATH=/usr/local/bin:/usr/bin:/bin",
        "--config.env",
        "IMAGE_MARK=pulled");
    Tools.run("skopeo", "copy", "--dest-tls-verify=false", "oci:" + tagged, "docker://" + image);

    impulse = DaemonFixture.startProcess(DaemonFixture.Options.defaults().withPortCount(10));
    impulse.upload(
        "probe",
        "1",
        Tars.function(
            """
            import os, sys

            def skyhook(request, meta):
                return {
                    "mark": open("/etc/impulse-mark").read(),
                    "python3": os.path.exists("/usr/bin/python3"),
                    "executable": sys.executable,
                    "env": os.environ.get("IMAGE_MARK"),
                    "path": os.environ.get("PATH"),
                    "home": os.environ.get("HOME"),
                }
            """));
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (impulse != null) {
        impulse.close();
      }
    } finally {
      if (registry != null) {
        registry.close();
      }
      if (scratch != null) {
        FileTrees.deleteRecursively(scratch);
      }
    }
  }

  @Test
  void aPulledRuntimeRunsFunctionsOnTheImageAsItsLayersStackAndSurvivesARestart() {
    Http.Response put =
        impulse.putJson(
            "/runtimes/py-image", "{\"image\": \"" + image + "\", \"language\": \"python\"}");
    assertThat(put.status()).as(put.body()).isEqualTo(202);
    assertThat(put.json().get("status").asText()).isEqualTo("PULLING");
    JsonNode runtime = awaitRuntime("py-image", "PULLED");
    assertThat(runtime.get("image").asText()).isEqualTo(image);
    assertThat(runtime.get("interpreter").asText()).isEqualTo("/usr/local/bin/python3");
    assertThat(runtime.get("language").asText()).isEqualTo("python");
    assertThat(runtime.get("suite").isNull()).isTrue();
    Http.Response again =
        impulse.putJson(
            "/runtimes/py-image", "{\"image\": \"" + image + "\", \"language\": \"python\"}");
    assertThat(again.status()).as("the same image again changes nothing").isEqualTo(200);

    JsonNode answer = callProbe();
    assertThat(answer.get("mark").asText()).isEqualTo("from the image\n");
    assertThat(answer.get("python3").asBoolean()).as("the whiteout applies").isFalse();
    assertThat(answer.get("env").asText()).isEqualTo("pulled");
    assertThat(answer.get("path").asText()).isEqualTo("/usr/local/bin:/usr/bin:/bin");
    assertThat(answer.get("home").asText()).isEqualTo("/tmp");

    impulse.kill(); // a crash: the record written after the pull is what comes back
    impulse.restart();
    assertThat(awaitRuntime("py-image", "PULLED").get("interpreter").asText())
        .isEqualTo("/usr/local/bin/python3");
    assertThat(callProbe().get("mark").asText()).isEqualTo("from the image\n");
  }

  @Test
  void aFunctionBakedOnAPulledRuntimeKeepsTheImagesWhiteoutsAndRunsFromItsImage() {
    assertThat(
            impulse
                .putJson(
                    "/runtimes/py-bake", "{\"image\": \"" + image + "\", \"language\": \"python\"}")
                .status())
        .isIn(200, 202);
    awaitRuntime("py-bake", "PULLED");
    String baked = registry.host() + "/functions/probe:on-pulled";
    Http.Response pushed =
        impulse.post(
            "/functions/probe/1/images", "{\"runtime\": \"py-bake\", \"push\": \"" + baked + "\"}");
    assertThat(pushed.status()).as(pushed.body()).isEqualTo(201);

    Http.Response created = impulse.post("/chambers", "{\"image\": \"" + baked + "\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.json().get("id").asText();
    int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
    JsonNode answer = impulse.call(port, "{}").json();
    assertThat(answer.get("mark").asText()).isEqualTo("from the image\n");
    assertThat(answer.get("python3").asBoolean())
        .as("the whiteout of /usr/bin/python3 went into the baked image")
        .isFalse();
    assertThat(answer.get("env").asText()).isEqualTo("pulled");
    assertThat(impulse.delete("/chambers/" + id).status()).isEqualTo(204);
    assertThat(impulse.delete("/runtimes/py-bake").status()).isEqualTo(204);
  }

  @Test
  void aMissingImageFailsItsRuntimeWithTheRegistrysAnswerAndChambersAreToldWhy() {
    String missing = registry.host() + "/runtimes/python:never-pushed";
    Http.Response put =
        impulse.putJson(
            "/runtimes/py-missing", "{\"image\": \"" + missing + "\", \"language\": \"python\"}");
    assertThat(put.status()).as(put.body()).isEqualTo(202);
    JsonNode runtime = awaitRuntime("py-missing", "FAILED");
    assertThat(runtime.get("detail").asText()).contains("never-pushed");
    Http.Response create =
        impulse.post(
            "/chambers", "{\"app\":\"probe\",\"version\":\"1\",\"runtime\":\"py-missing\"}");
    assertThat(create.status()).as(create.body()).isEqualTo(409);
    assertThat(create.json().get("type").asText()).endsWith("runtime-not-ready");
    assertThat(impulse.delete("/runtimes/py-missing").status()).isEqualTo(204);
    assertThat(impulse.delete("/runtimes/py-missing").status()).isEqualTo(404);
  }

  @Test
  void badRuntimeRequestsAreRefusedWithWhatToChange() {
    assertProblem(
        impulse.putJson(
            "/runtimes/python3.11", "{\"image\": \"" + image + "\", \"language\": \"python\"}"),
        409,
        "built in");
    assertProblem(
        impulse.putJson("/runtimes/x", "{\"image\": \"python:3.11\", \"language\": \"python\"}"),
        400,
        "registry");
    assertProblem(
        impulse.putJson("/runtimes/x", "{\"image\": \"" + image + "\", \"language\": \"cobol\"}"),
        400,
        "language");
    assertProblem(
        impulse.putJson("/runtimes/x", "{\"image\": \"" + image + "\", \"lang\": \"python\"}"),
        400,
        "unknown field");
    assertProblem(impulse.delete("/runtimes/python3.11"), 409, "built in");
  }

  @Test
  void pruneRemovesOnlyLayersNoRuntimeAndNoChamberUses() throws Exception {
    assertThat(
            impulse
                .putJson(
                    "/runtimes/py-prune",
                    "{\"image\": \"" + image + "\", \"language\": \"python\"}")
                .status())
        .isIn(200, 202);
    awaitRuntime("py-prune", "PULLED");
    Http.Response create =
        impulse.post("/chambers", "{\"app\":\"probe\",\"version\":\"1\",\"runtime\":\"py-prune\"}");
    assertThat(create.status()).as(create.body()).isEqualTo(201);
    String id = create.json().get("id").asText();
    impulse.awaitStatus(id, "RUNNING");
    assertThat(impulse.delete("/runtimes/py-prune").status()).isEqualTo(204);

    // the chamber stacks the image's layers: none of them goes (other tests may leave others)
    JsonNode kept = impulse.post("/images/prune", "").json();
    JsonNode layers =
        JSON.readTree(Tools.run("skopeo", "inspect", "--tls-verify=false", "docker://" + image))
            .get("Layers");
    assertThat(layers).hasSize(4);
    for (JsonNode layer : layers) {
      assertThat(kept.get("removed").toString()).doesNotContain(layer.asText());
      assertThat(impulse.dataDir().resolve("layers/sha256/" + layer.asText().substring(7)))
          .isDirectory();
    }

    assertThat(impulse.delete("/chambers/" + id).status()).isEqualTo(204);
    for (JsonNode runtime : impulse.get("/runtimes").json()) {
      if (!runtime.get("image").isNull()) { // every pulled runtime, baked images' included
        assertThat(impulse.delete("/runtimes/" + runtime.get("name").asText()).status())
            .isEqualTo(204);
      }
    }
    JsonNode retired = impulse.post("/images/prune", "").json();
    assertThat(retired.get("removed"))
        .as("a runtime deleted a moment ago may still be starting a chamber: its layers stay")
        .isEmpty();

    impulse.kill(); // a new daemon has no chamber starting: only what records name counts
    impulse.restart();
    JsonNode pruned = impulse.post("/images/prune", "").json();
    assertThat(pruned.get("removed").size()).isGreaterThanOrEqualTo(4);
    assertThat(pruned.get("kept").asInt()).isZero();
    assertThat(impulse.dataDir().resolve("layers/sha256")).isEmptyDirectory();
  }

  private static JsonNode callProbe() {
    Http.Response create =
        impulse.post("/chambers", "{\"app\":\"probe\",\"version\":\"1\",\"runtime\":\"py-image\"}");
    assertThat(create.status()).as(create.body()).isEqualTo(201);
    String id = create.json().get("id").asText();
    int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
    Http.Response call = impulse.call(port, "{}");
    assertThat(call.status()).as(call.body()).isEqualTo(200);
    assertThat(impulse.delete("/chambers/" + id).status()).isEqualTo(204);
    return call.json();
  }

  private static JsonNode awaitRuntime(String name, String status) {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (true) {
      for (JsonNode runtime : impulse.get("/runtimes").json()) {
        if (runtime.get("name").asText().equals(name)
            && runtime.get("status").asText().equals(status)) {
          return runtime;
        }
      }
      assertThat(System.nanoTime())
          .as("runtime %s becomes %s: %s", name, status, impulse.get("/runtimes").body())
          .isLessThan(deadline);
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static void assertProblem(Http.Response response, int status, String detail) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.header("Content-Type")).contains("application/problem+json");
    assertThat(response.json().get("detail").asText()).containsIgnoringCase(detail);
  }
}
