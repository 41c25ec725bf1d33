package dev.impulse.oci.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.oci.Digest;
import dev.impulse.oci.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciArchiveTest {
  @TempDir Path tmp;
  private BuiltImage image;
  private LayerBlob rootfs;
  private LayerBlob guest;

  @BeforeEach
  void setUp() throws IOException {
    Path base = Files.createDirectories(tmp.resolve("base/etc"));
    SampleTree.file(base.resolve("os-release"), "ID=test\n", "rw-r--r--");
    rootfs = new LayerWriter(LayerOptions.DEFAULT).write(base.getParent(), tmp.resolve("rootfs"));
    Path app = Files.createDirectories(tmp.resolve("app"));
    SampleTree.file(app.resolve("main.py"), "print('hi')\n", "rw-r--r--");
    guest =
        new LayerWriter(LayerOptions.DEFAULT.withPrefix("opt/guest"))
            .write(app, tmp.resolve("guest"));
    image =
        ImageWriter.write(
            ImageSpec.of(
                RunConfig.EMPTY.withEntrypoint("python3", "/opt/guest/main.py"),
                List.of(new ImageLayer(rootfs, "rootfs"), new ImageLayer(guest, "guest"))));
  }

  private byte[] archive(BuiltImage image, String tag) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    OciArchive.write(image, tag, out);
    return out.toByteArray();
  }

  /** The archive's entries, name to content, in order. */
  private static Map<String, byte[]> entries(byte[] archive) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(archive))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        entries.put(entry.getName(), tar.readAllBytes());
      }
    }
    return entries;
  }

  @Test
  void theArchiveHoldsTheLayoutTheTaggedIndexAndEveryBlobUnderItsDigest() throws IOException {
    Map<String, byte[]> entries = entries(archive(image, "v1"));

    assertThat(entries.keySet())
        .startsWith("oci-layout", "index.json", "blobs/", "blobs/sha256/")
        .hasSize(4 + 4);
    assertThat(new String(entries.get("oci-layout"), StandardCharsets.UTF_8))
        .isEqualTo("{\"imageLayoutVersion\":\"1.0.0\"}");
    JsonNode index = new ObjectMapper().readTree(entries.get("index.json"));
    assertThat(index.get("schemaVersion").asInt()).isEqualTo(2);
    assertThat(index.get("mediaType").asText()).isEqualTo(MediaTypes.OCI_INDEX);
    JsonNode manifest = index.get("manifests").get(0);
    assertThat(manifest.get("digest").asText()).isEqualTo(image.digest().toString());
    assertThat(manifest.get("size").asLong()).isEqualTo(image.manifest().size());
    assertThat(manifest.get("annotations").get("org.opencontainers.image.ref.name").asText())
        .isEqualTo("v1");
    for (Digest digest :
        List.of(image.digest(), image.config().digest(), rootfs.digest(), guest.digest())) {
      byte[] blob = entries.get("blobs/sha256/" + digest.hex());
      assertThat(blob).as("blob %s", digest).isNotNull();
      assertThat(Digest.of(blob)).isEqualTo(digest);
    }
    assertThat(entries.get("blobs/sha256/" + image.digest().hex())).isEqualTo(image.manifestJson());
  }

  @Test
  void theArchiveIsTheSameBytesEachTimeAndAsLongAsSizeSays() throws IOException {
    byte[] first = archive(image, "latest");
    assertThat(archive(image, "latest")).isEqualTo(first);
    assertThat(OciArchive.size(image, "latest")).isEqualTo(first.length);
  }

  @Test
  void aLayerListedTwiceIsOneBlob() throws IOException {
    BuiltImage twice =
        ImageWriter.write(
            ImageSpec.of(
                RunConfig.EMPTY,
                List.of(new ImageLayer(guest, "guest"), new ImageLayer(guest, "again"))));
    byte[] archive = archive(twice, "t");
    assertThat(entries(archive)).hasSize(4 + 3);
    assertThat(OciArchive.size(twice, "t")).isEqualTo(archive.length);
  }

  @Test
  void theDirectoryLayoutHoldsWhatTheArchiveHolds() throws IOException {
    Path dir = tmp.resolve("layout");
    OciArchive.writeDirectory(image, "v1", dir);
    for (Map.Entry<String, byte[]> entry : entries(archive(image, "v1")).entrySet()) {
      Path file = dir.resolve(entry.getKey());
      if (entry.getKey().endsWith("/")) {
        assertThat(file).isDirectory();
      } else {
        assertThat(file).hasBinaryContent(entry.getValue());
      }
    }
    assertThatThrownBy(() -> OciArchive.writeDirectory(image, "v1", dir))
        .hasMessageContaining("not empty");
  }

  @Test
  void aMissingLayerFileStopsTheArchiveBeforeAnyByteIsWritten() throws IOException {
    Files.delete(guest.file());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThatThrownBy(() -> OciArchive.write(image, "v1", out))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(guest.digest().toString());
    assertThat(out.size()).isZero();
    assertThatThrownBy(() -> OciArchive.writeDirectory(image, "v1", tmp.resolve("layout")))
        .isInstanceOf(IOException.class);
  }

  @Test
  void aTagMustBeAnImageTag() {
    for (String bad : List.of("", ".hidden", "a/b", "a:b", "x".repeat(129))) {
      assertThatThrownBy(() -> OciArchive.write(image, bad, new ByteArrayOutputStream()))
          .as(bad)
          .hasMessageContaining("is no image tag");
    }
  }
}
