package dev.impulse.bakery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.impulse.linux.FileTrees;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import dev.impulse.testing.Http;
import dev.impulse.testing.ImpulseCli;
import dev.impulse.testing.LocalRegistry;
import dev.impulse.testing.Tools;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bakery against a real registry: a function baked and pushed by one daemon runs on a second
 * daemon that never saw it ({@code POST /chambers {"image"}}), and under plain runc from the bundle
 * umoci unpacks (what podman would run; podman is not installed here). skopeo and umoci judge the
 * image independently.
 */
class BakeIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  static LocalRegistry registry;
  static DaemonFixture baker;
  static DaemonFixture other;
  static Path scratch;

  @BeforeAll
  static void start() throws Exception {
    DaemonFixture.buildBaseimages("python3.11");
    registry = LocalRegistry.start();
    scratch = Files.createTempDirectory("impulse-bake-");
    baker = DaemonFixture.start(DaemonFixture.Options.defaults().withPortCount(6));
    other = DaemonFixture.start(DaemonFixture.Options.defaults().withPortCount(6));
    baker.upload("bakeme", "1", Functions.sample());
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      for (DaemonFixture fixture : new DaemonFixture[] {baker, other}) {
        if (fixture != null) {
          fixture.close();
        }
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
  void aBakedImageRunsOnADaemonThatNeverSawTheFunctionAndUnderPlainRunc() throws Exception {
    String ref = registry.host() + "/functions/bakeme:1";
    Http.Response pushed =
        baker.post(
            "/functions/bakeme/1/images", "{\"runtime\": \"python3\", \"push\": \"" + ref + "\"}");
    assertThat(pushed.status()).as(pushed.body()).isEqualTo(201);
    String digest = pushed.json().get("digest").asText();
    assertThat(pushed.json().get("reference").asText()).isEqualTo(ref);

    JsonNode inspected =
        JSON.readTree(Tools.run("skopeo", "inspect", "--tls-verify=false", "docker://" + ref));
    assertThat(inspected.get("Digest").asText()).isEqualTo(digest);
    assertThat(inspected.get("Labels").get("dev.impulse.app").asText()).isEqualTo("bakeme");
    assertThat(inspected.get("Labels").get("dev.impulse.language").asText()).isEqualTo("python");
    assertThat(inspected.get("Layers")).hasSize(3);
    JsonNode config =
        JSON.readTree(
            Tools.run("skopeo", "inspect", "--tls-verify=false", "--config", "docker://" + ref));
    assertThat(config.get("config").get("Env").toString()).contains("SKYHOOK_PORT=8080");
    assertThat(config.get("config").get("User").asText()).isEqualTo("65534:65534");

    // the second daemon: nothing but the reference
    Http.Response created = other.post("/chambers", "{\"image\": \"" + ref + "\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.json().get("spec").get("app").asText()).isEqualTo("bakeme");
    String id = created.json().get("id").asText();
    int port = other.awaitStatus(id, "RUNNING").get("port").asInt();
    Http.Response call = other.call(port, "{\"name\": \"image\"}");
    assertThat(call.status()).as(call.body()).isEqualTo(200);
    assertThat(call.json().get("greeting").asText()).isEqualTo("hello, image");
    assertThat(other.get("/functions/bakeme/1").status()).isEqualTo(200);
    assertThat(other.delete("/chambers/" + id).status()).isEqualTo(204);
    Http.Response again = other.post("/chambers", "{\"image\": \"" + ref + "\"}");
    assertThat(again.status()).as("the same image again: " + again.body()).isEqualTo(201);
    String second = again.json().get("id").asText();
    other.awaitStatus(second, "RUNNING");
    assertThat(other.delete("/chambers/" + second).status()).isEqualTo(204);

    assertThat(runUnderRunc(ref).get("greeting").asText()).isEqualTo("hello, runc");
  }

  @Test
  void anOciArchiveIsTheSameImageAsThePushedOne() throws Exception {
    HttpResponse<byte[]> archive =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(baker.uri("/functions/bakeme/1/images"))
                    .header("Authorization", "Bearer " + baker.token())
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"runtime\": \"python3.11\", \"ociArchive\": true}"))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(archive.statusCode()).as(new String(archive.body())).isEqualTo(200);
    assertThat(archive.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/x-tar");
    Path layout = Files.createDirectories(scratch.resolve("archive"));
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new ByteArrayInputStream(archive.body()))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path target = layout.resolve(entry.getName()).normalize();
        assertThat(target).startsWithRaw(layout);
        if (entry.isDirectory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.write(target, tar.readAllBytes());
        }
      }
    }
    JsonNode inspected =
        JSON.readTree(Tools.run("skopeo", "inspect", "oci:" + layout + ":bakeme-1"));
    String digest = archive.headers().firstValue("Docker-Content-Digest").orElseThrow();
    assertThat(inspected.get("Digest").asText()).isEqualTo(digest);
    assertThat(inspected.get("Labels").get("dev.impulse.version").asText()).isEqualTo("1");
  }

  @Test
  void aPublishedBaseimageIsPulledAsARuntimeByAnotherNode() {
    String ref = registry.host() + "/runtimes/python:3.11-published";
    ImpulseCli.Result published =
        ImpulseCli.run(
            List.of(
                "runtimes",
                "build",
                "python3.11",
                "--push",
                ref,
                "--data-dir",
                scratch.resolve("publisher").toString(),
                "--baseimage-dir",
                DaemonFixture.BASEIMAGES.toString()));
    assertThat(published.code()).as(published.err() + published.out()).isZero();
    assertThat(published.out()).contains("pushed " + ref + "@sha256:");

    Http.Response put =
        other.putJson(
            "/runtimes/published", "{\"image\": \"" + ref + "\", \"language\": \"python\"}");
    assertThat(put.status()).as(put.body()).isEqualTo(202);
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    JsonNode runtime = null;
    while (runtime == null || !runtime.get("status").asText().equals("PULLED")) {
      assertThat(System.nanoTime()).as("pulled: %s", runtime).isLessThan(deadline);
      for (JsonNode r : other.get("/runtimes").json()) {
        if (r.get("name").asText().equals("published")) {
          runtime = r;
        }
      }
      assertThat(runtime.get("status").asText()).isNotEqualTo("FAILED");
      pause();
    }
    assertThat(runtime.get("interpreter").asText()).isEqualTo("/usr/bin/python3");
    other.upload("published-fn", "1", Functions.sample());
    JsonNode created = other.create("published-fn", "1", "published");
    int port = other.awaitStatus(created.get("id").asText(), "RUNNING").get("port").asInt();
    assertThat(other.call(port, "{\"name\": \"node two\"}").json().get("greeting").asText())
        .isEqualTo("hello, node two");
    assertThat(other.delete("/chambers/" + created.get("id").asText()).status()).isEqualTo(204);
  }

  @Test
  void badBakesAreRefusedWithWhatToDo() {
    assertProblem(
        baker.post("/functions/bakeme/1/images", "{\"runtime\": \"cobol\", \"ociArchive\": true}"),
        422,
        "not available");
    assertProblem(
        baker.post("/functions/nope/1/images", "{\"runtime\": \"python3\", \"ociArchive\": true}"),
        404,
        "nope");
    assertProblem(
        baker.post("/functions/bakeme/1/images", "{\"runtime\": \"node\", \"ociArchive\": true}"),
        422,
        "index.js");
    assertProblem(
        baker.post(
            "/functions/bakeme/1/images", "{\"runtime\": \"python3\", \"push\": \"nohost\"}"),
        422,
        "registry");
    assertProblem(
        baker.post("/functions/bakeme/1/images", "{\"runtime\": \"python3\"}"), 400, "push");
    assertProblem(
        baker.post(
            "/functions/bakeme/1/images",
            "{\"runtime\": \"python3\", \"push\": \"127.0.0.1:1/x/y:1\"}"),
        502,
        "127.0.0.1:1");
    assertProblem(
        other.post("/chambers", "{\"image\": \"" + registry.host() + "/x:1\", \"app\": \"a\"}"),
        400,
        "leave out");
    assertProblem(
        other.post("/chambers", "{\"image\": \"" + registry.host() + "/functions/never:1\"}"),
        502,
        "never");
  }

  /** Unpacks the image with umoci and runs its bundle with runc on the host's network. */
  private static JsonNode runUnderRunc(String ref) throws Exception {
    Path layout = scratch.resolve("runc-layout");
    Path bundle = scratch.resolve("runc-bundle");
    Tools.run(
        "skopeo", "copy", "--src-tls-verify=false", "docker://" + ref, "oci:" + layout + ":it");
    Tools.run("umoci", "unpack", "--image", layout + ":it", bundle.toString());
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path configFile = bundle.resolve("config.json");
    ObjectNode spec = (ObjectNode) JSON.readTree(configFile.toFile());
    ObjectNode process = (ObjectNode) spec.get("process");
    process.put("terminal", false);
    ArrayNode env = (ArrayNode) process.get("env");
    env.add("SKYHOOK_PORT=" + port).add("SKYHOOK_HOST=127.0.0.1");
    ArrayNode namespaces = (ArrayNode) spec.get("linux").get("namespaces");
    for (int i = namespaces.size() - 1; i >= 0; i--) {
      if (namespaces.get(i).get("type").asText().equals("network")) {
        namespaces.remove(i); // the host's network, as podman -p would forward it
      }
    }
    JSON.writeValue(configFile.toFile(), spec);
    String container = "impulse-bakeit-" + port;
    Path log = scratch.resolve("runc.log");
    Process runc =
        new ProcessBuilder("runc", "run", "--detach", "--bundle", bundle.toString(), container)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      assertThat(runc.waitFor()).as("runc run: %s", Files.readString(log)).isZero();
      HttpClient client = HttpClient.newHttpClient();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (true) {
        try {
          HttpResponse<String> answer =
              client.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                      .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"runc\"}"))
                      .header("Content-Type", "application/json")
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
          return JSON.readTree(answer.body());
        } catch (java.io.IOException notYet) {
          assertThat(System.nanoTime()).as("the image answers under runc").isLessThan(deadline);
          Thread.sleep(50);
        }
      }
    } finally {
      new ProcessBuilder("runc", "delete", "--force", container).start().waitFor();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(100); // between polls of GET /runtimes
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static void assertProblem(Http.Response response, int status, String detail) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.json().get("detail").asText()).containsIgnoringCase(detail);
  }
}
