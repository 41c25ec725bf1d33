package dev.impulse.oci.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.oci.Descriptor;
import dev.impulse.oci.Digest;
import dev.impulse.oci.MediaTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageWriterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  private static final LayerBlob ROOTFS = blob('a', 1000, 'b');
  private static final LayerBlob GUEST = blob('c', 20, 'd');
  private static final RunConfig RUN =
      RunConfig.EMPTY
          .withEntrypoint("/opt/skyhook/skyhook.py")
          .withCmd("main.handler")
          .withEnv("PATH=/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE=1")
          .withWorkingDir("/opt/guest")
          .withUser("65534:65534")
          .withLabel("org.opencontainers.image.version", "3")
          .withLabel("dev.impulse.app", "hello")
          .withExposedPorts("8080");

  private static LayerBlob blob(char digit, long size, char diffDigit) {
    return new LayerBlob(
        Path.of("/nowhere/" + digit),
        new Descriptor(GZIP, new Digest(String.valueOf(digit).repeat(64)), size),
        new Digest(String.valueOf(diffDigit).repeat(64)));
  }

  private static ImageSpec spec() {
    return new ImageSpec(
        RUN,
        List.of(new ImageLayer(ROOTFS, "baseimage python3.11"), new ImageLayer(GUEST, "guest")),
        Map.of("org.opencontainers.image.title", "hello"),
        "amd64");
  }

  private static JsonNode json(byte[] bytes) throws IOException {
    return JSON.readTree(bytes);
  }

  @Test
  void theConfigSaysHowTheImageRunsItsDiffIdsAndOneHistoryEntryPerLayer() throws IOException {
    BuiltImage image = ImageWriter.write(spec(), Instant.parse("2026-01-02T03:04:05Z"));
    JsonNode config = json(image.configJson());

    assertThat(config.get("architecture").asText()).isEqualTo("amd64");
    assertThat(config.get("os").asText()).isEqualTo("linux");
    assertThat(config.get("created").asText()).isEqualTo("2026-01-02T03:04:05Z");
    JsonNode run = config.get("config");
    assertThat(run.get("Entrypoint").toString()).isEqualTo("[\"/opt/skyhook/skyhook.py\"]");
    assertThat(run.get("Cmd").toString()).isEqualTo("[\"main.handler\"]");
    assertThat(run.get("Env").toString())
        .isEqualTo("[\"PATH=/usr/bin:/bin\",\"PYTHONDONTWRITEBYTECODE=1\"]");
    assertThat(run.get("WorkingDir").asText()).isEqualTo("/opt/guest");
    assertThat(run.get("User").asText()).isEqualTo("65534:65534");
    assertThat(run.get("Labels").toString())
        .isEqualTo("{\"dev.impulse.app\":\"hello\",\"org.opencontainers.image.version\":\"3\"}");
    assertThat(run.get("ExposedPorts").toString()).isEqualTo("{\"8080/tcp\":{}}");
    assertThat(config.get("rootfs").toString())
        .isEqualTo(
            "{\"type\":\"layers\",\"diff_ids\":[\""
                + ROOTFS.diffId()
                + "\",\""
                + GUEST.diffId()
                + "\"]}");
    assertThat(config.get("history")).hasSize(2);
    assertThat(config.get("history").get(0).get("created_by").asText())
        .isEqualTo("baseimage python3.11");
    assertThat(config.get("history").get(1).get("created").asText())
        .isEqualTo("2026-01-02T03:04:05Z");
  }

  @Test
  void theManifestListsTheConfigAndTheLayersByDigestAndSize() throws IOException {
    BuiltImage image = ImageWriter.write(spec());
    JsonNode manifest = json(image.manifestJson());

    assertThat(manifest.get("schemaVersion").asInt()).isEqualTo(2);
    assertThat(manifest.get("mediaType").asText()).isEqualTo(MediaTypes.OCI_MANIFEST);
    JsonNode config = manifest.get("config");
    assertThat(config.get("mediaType").asText()).isEqualTo(MediaTypes.OCI_CONFIG);
    assertThat(config.get("digest").asText())
        .isEqualTo(Digest.of(image.configJson()).toString())
        .isEqualTo(image.config().digest().toString());
    assertThat(config.get("size").asLong()).isEqualTo(image.configJson().length);
    assertThat(manifest.get("layers")).hasSize(2);
    assertThat(manifest.get("layers").get(0).toString())
        .isEqualTo(
            "{\"mediaType\":\""
                + GZIP
                + "\",\"digest\":\""
                + ROOTFS.digest()
                + "\",\"size\":1000}");
    assertThat(manifest.get("annotations").toString())
        .isEqualTo("{\"org.opencontainers.image.title\":\"hello\"}");
    assertThat(image.manifest().digest()).isEqualTo(Digest.of(image.manifestJson()));
    assertThat(image.manifest().size()).isEqualTo(image.manifestJson().length);
    assertThat(image.layers()).containsExactly(ROOTFS, GUEST);
  }

  @Test
  void theSameSpecGivesTheSameBytesAndWithoutATimeNoCreatedField() throws IOException {
    BuiltImage first = ImageWriter.write(spec());
    BuiltImage second = ImageWriter.write(spec());
    assertThat(second.manifestJson()).isEqualTo(first.manifestJson());
    assertThat(second.configJson()).isEqualTo(first.configJson());
    assertThat(second).isEqualTo(first);
    assertThat(json(first.configJson()).has("created")).isFalse();
    assertThat(json(first.configJson()).get("history").get(0).has("created")).isFalse();

    BuiltImage dated = ImageWriter.write(spec(), Instant.EPOCH);
    assertThat(dated.digest()).isNotEqualTo(first.digest());
    assertThat(ImageWriter.write(spec(), Instant.EPOCH).digest()).isEqualTo(dated.digest());
  }

  @Test
  void theConfigOfAMinimalImageIsExactlyTheseBytes() {
    ImageSpec minimal =
        new ImageSpec(
            RunConfig.EMPTY, List.of(new ImageLayer(ROOTFS, "rootfs")), Map.of(), "amd64");
    String config = new String(ImageWriter.write(minimal).configJson(), StandardCharsets.UTF_8);
    assertThat(config)
        .isEqualTo(
            "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + ROOTFS.diffId()
                + "\"]},\"history\":[{\"created_by\":\"rootfs\"}]}");
  }

  @Test
  void aRunConfigRefusesWhatAnEngineCouldNotRun() {
    assertThatThrownBy(() -> RunConfig.EMPTY.withEnv("NOVALUE"))
        .hasMessageContaining("must be NAME=value");
    assertThatThrownBy(() -> RunConfig.EMPTY.withEnv("=x")).hasMessageContaining("NAME=value");
    assertThatThrownBy(() -> RunConfig.EMPTY.withEnv("A=1", "A=2"))
        .hasMessageContaining("sets A twice");
    assertThatThrownBy(() -> RunConfig.EMPTY.withWorkingDir("opt"))
        .hasMessageContaining("absolute");
    for (String port : List.of("0", "65536", "80/http", "x", "/tcp")) {
      assertThatThrownBy(() -> RunConfig.EMPTY.withExposedPorts(port))
          .as(port)
          .hasMessageContaining("must be PORT or PORT/PROTOCOL");
    }
    assertThat(RunConfig.EMPTY.withExposedPorts("53/udp", "8080").exposedPorts())
        .containsExactly("53/udp", "8080/tcp");
    assertThat(RunConfig.EMPTY.withEnv("EMPTY=").env()).containsExactly("EMPTY=");
  }

  @Test
  void anImageNeedsALayerAndAKnownArchitecture() {
    assertThatThrownBy(() -> ImageSpec.of(RunConfig.EMPTY, List.of()))
        .hasMessageContaining("at least one layer");
    assertThatThrownBy(() ->
            new ImageSpec(RunConfig.EMPTY, List.of(new ImageLayer(ROOTFS, "r")), Map.of(), "s390x"))
        .hasMessageContaining("amd64, arm64");
    assertThat(ImageSpec.of(RunConfig.EMPTY, List.of(new ImageLayer(ROOTFS, "r"))).architecture())
        .isIn("amd64", "arm64");
  }

  @Test
  void aBuiltImageWhoseJsonIsNotWhatItsDescriptorNamesCannotExist() {
    BuiltImage image = ImageWriter.write(spec());
    byte[] other = "{}".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() ->
            new BuiltImage(
                image.manifest(), other, image.config(), image.configJson(), image.layers()))
        .hasMessageContaining("not what its descriptor says");
  }
}
