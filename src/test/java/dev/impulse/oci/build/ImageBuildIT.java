package dev.impulse.oci.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.linux.Processes;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image written by impulse, read by independent tools: skopeo (containers/image) inspects the
 * OCI layout, umoci unpacks it into a runtime bundle, verifying every blob's digest and every
 * layer's diffID on the way. Both are Debian packages ({@code scripts/test} installs them).
 */
@Timeout(300)
class ImageBuildIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  private static final String TAG = "v1";

  @TempDir Path tmp;
  private BuiltImage image;

  @BeforeEach
  void build() throws IOException {
    assumeTrue(Processes.isRoot(), "umoci unpacks with the layers' owners as root");
    Path base = Files.createDirectories(tmp.resolve("base"));
    Files.createDirectories(base.resolve("bin"));
    Files.createDirectories(base.resolve("etc"));
    SampleTree.file(base.resolve("bin/hello"), "#!/bin/sh\necho hello\n", "rwxr-xr-x");
    Files.createSymbolicLink(base.resolve("bin/greet"), Path.of("hello"));
    Files.createLink(base.resolve("bin/hello-again"), base.resolve("bin/hello"));
    SampleTree.file(base.resolve("etc/secret"), "s3cret\n", "rw-------");
    SampleTree.file(base.resolve("etc/os-release"), "ID=impulse-test\n", "rw-r--r--");
    Path dev = Files.createDirectories(base.resolve("dev"));
    SampleTree.fifo(dev.resolve("initctl"));
    Path app = Files.createDirectories(tmp.resolve("app"));
    SampleTree.file(app.resolve("main.py"), "print('hi')\n", "rw-r-----");

    LayerCache cache = LayerCache.open(tmp.resolve("cache"));
    LayerBlob rootfs =
        cache.ensure(
            "baseimage test",
            file -> new LayerWriter(LayerOptions.ROOT_FILE_SYSTEM).write(base, file));
    LayerBlob guest =
        new LayerWriter(LayerOptions.DEFAULT.withPrefix("opt/guest"))
            .write(app, tmp.resolve("guest.tar.gz"));
    RunConfig run =
        RunConfig.EMPTY
            .withEntrypoint("/bin/hello", "--greeting")
            .withCmd("world")
            .withEnv("PATH=/usr/bin:/bin", "GREETING=hi")
            .withWorkingDir("/opt/guest")
            .withLabel("dev.impulse.app", "hello")
            .withExposedPorts("8080/tcp");
    image =
        ImageWriter.write(
            ImageSpec.of(
                    run,
                    List.of(
                        new ImageLayer(rootfs, "impulse: baseimage test"),
                        new ImageLayer(guest, "impulse: guest hello")))
                .withAnnotations(Map.of("org.opencontainers.image.title", "hello")),
            Instant.parse("2026-01-01T00:00:00Z"));
  }

  /** The archive written to a file, and unpacked by tar into a directory. */
  private Path layoutFromArchive() throws IOException {
    Path archive = tmp.resolve("image.tar");
    try (OutputStream out = Files.newOutputStream(archive)) {
      OciArchive.write(image, TAG, out);
    }
    assertThat(archive).hasSize(OciArchive.size(image, TAG));
    Path layout = Files.createDirectory(tmp.resolve("layout"));
    run("tar", "-xf", archive.toString(), "-C", layout.toString());
    return layout;
  }

  @Test
  void skopeoReadsTheLabelsEnvironmentAndLayersOfTheArchivedLayout() throws IOException {
    Path layout = layoutFromArchive();
    JsonNode inspect = JSON.readTree(run("skopeo", "inspect", "oci:" + layout + ":" + TAG));

    assertThat(inspect.get("Digest").asText()).isEqualTo(image.digest().toString());
    assertThat(inspect.get("Labels").get("dev.impulse.app").asText()).isEqualTo("hello");
    assertThat(inspect.get("Env").toString()).isEqualTo("[\"PATH=/usr/bin:/bin\",\"GREETING=hi\"]");
    assertThat(inspect.get("Architecture").asText()).isEqualTo("amd64");
    assertThat(inspect.get("Os").asText()).isEqualTo("linux");
    List<String> layers = new ArrayList<>();
    inspect.get("Layers").forEach(layer -> layers.add(layer.asText()));
    assertThat(layers)
        .containsExactly(
            image.layers().get(0).digest().toString(), image.layers().get(1).digest().toString());

    JsonNode config =
        JSON.readTree(run("skopeo", "inspect", "--config", "oci:" + layout + ":" + TAG));
    assertThat(config.get("config").get("Entrypoint").toString())
        .isEqualTo("[\"/bin/hello\",\"--greeting\"]");
    assertThat(config.get("config").get("ExposedPorts").has("8080/tcp")).isTrue();
  }

  @Test
  void umociUnpacksTheArchivedLayoutWithModesLinksAndTheEntrypoint() throws IOException {
    Path layout = layoutFromArchive();
    Path bundle = tmp.resolve("bundle");
    run("umoci", "unpack", "--image", layout + ":" + TAG, bundle.toString());

    Path rootfs = bundle.resolve("rootfs");
    assertThat(rootfs.resolve("bin/hello")).hasContent("#!/bin/sh\necho hello");
    assertThat(mode(rootfs.resolve("bin/hello"))).isEqualTo(0755);
    assertThat(mode(rootfs.resolve("etc/secret"))).isEqualTo(0600);
    assertThat(mode(rootfs.resolve("opt/guest/main.py"))).isEqualTo(0640);
    assertThat(mode(rootfs.resolve("opt"))).isEqualTo(0755);
    assertThat(Files.readSymbolicLink(rootfs.resolve("bin/greet"))).isEqualTo(Path.of("hello"));
    assertThat(Files.getAttribute(rootfs.resolve("bin/hello-again"), "unix:ino"))
        .isEqualTo(Files.getAttribute(rootfs.resolve("bin/hello"), "unix:ino"));
    assertThat(rootfs.resolve("dev")).isEmptyDirectory();

    JsonNode runtime = JSON.readTree(bundle.resolve("config.json").toFile());
    assertThat(runtime.get("process").get("args").toString())
        .isEqualTo("[\"/bin/hello\",\"--greeting\",\"world\"]");
    assertThat(runtime.get("process").get("cwd").asText()).isEqualTo("/opt/guest");
    assertThat(runtime.get("process").get("env").toString()).contains("GREETING=hi");
  }

  @Test
  void theDirectoryLayoutIsTheSameImageToSkopeo() throws IOException {
    Path layout = tmp.resolve("direct");
    OciArchive.writeDirectory(image, TAG, layout);
    JsonNode inspect = JSON.readTree(run("skopeo", "inspect", "oci:" + layout + ":" + TAG));
    assertThat(inspect.get("Digest").asText()).isEqualTo(image.digest().toString());
    run("umoci", "unpack", "--image", layout + ":" + TAG, tmp.resolve("bundle2").toString());
    assertThat(tmp.resolve("bundle2/rootfs/etc/os-release")).hasContent("ID=impulse-test");
  }

  private static int mode(Path file) throws IOException {
    return (int) Files.getAttribute(file, "unix:mode", NOFOLLOW) & 07777;
  }

  /** Runs {@code command}, returning its output; a failure says the command and its stderr. */
  private String run(String... command) throws IOException {
    Path err = Files.createTempFile(tmp, "stderr", ".txt");
    Process process =
        new ProcessBuilder(command)
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish in 120 s");
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (process.exitValue() != 0) {
      throw new AssertionError(
          "'"
              + String.join(" ", command)
              + "' exited with "
              + process.exitValue()
              + ": "
              + Files.readString(err)
              + " (install skopeo and umoci: scripts/test does)");
    }
    return out;
  }
}
