package dev.impulse.oci;

import static dev.impulse.testing.Tars.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerStoreTest {
  @TempDir Path tmp;
  private Path dir;
  private LayerStore store;
  private final TestBlob blob = TestBlob.gzipped(tar().file("etc/os-release", "ID=test\n"));

  @BeforeEach
  void setUp() throws IOException {
    dir = tmp.resolve("layers");
    store = LayerStore.open(dir, LayerLimits.DEFAULT);
  }

  /** A source that counts its opens and, until {@code gate} opens, holds the reader. */
  private BlobSource counted(AtomicInteger opens, CountDownLatch gate) {
    return () -> {
      opens.incrementAndGet();
      try {
        gate.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new ByteArrayInputStream(blob.bytes());
    };
  }

  @Test
  void aLayerIsUnpackedOnceAndThenFoundWithoutItsSource() throws IOException {
    StoredLayer layer = blob.ensureIn(store);
    assertThat(layer.root())
        .isEqualTo(dir.resolve("sha256").resolve(blob.digest().hex()).resolve("fs"));
    assertThat(layer.root().resolve("etc/os-release")).hasContent("ID=test");
    BlobSource never =
        () -> {
          throw new AssertionError("the source of a stored layer was opened");
        };
    assertThat(store.ensure(blob.digest(), blob.type(), never)).isEqualTo(layer);
    assertThat(store.find(blob.digest())).contains(layer);
  }

  @Test
  void concurrentEnsuresOfOneLayerShareOneUnpack() throws Exception {
    AtomicInteger opens = new AtomicInteger();
    CountDownLatch gate = new CountDownLatch(1);
    List<Future<StoredLayer>> results = new ArrayList<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 8; i++) {
        results.add(
            threads.submit(() -> store.ensure(blob.digest(), blob.type(), counted(opens, gate))));
      }
      Thread.sleep(200);
      gate.countDown();
      for (Future<StoredLayer> result : results) {
        assertThat(result.get().digest()).isEqualTo(blob.digest());
      }
    }
    assertThat(opens).hasValue(1);
  }

  @Test
  void twoStoresOnOneDirectoryUnpackALayerOnceThroughTheFileLock() throws Exception {
    LayerStore other = LayerStore.open(dir, LayerLimits.DEFAULT);
    AtomicInteger opens = new AtomicInteger();
    CountDownLatch gate = new CountDownLatch(1);
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<StoredLayer> first =
          threads.submit(() -> store.ensure(blob.digest(), blob.type(), counted(opens, gate)));
      Future<StoredLayer> second =
          threads.submit(() -> other.ensure(blob.digest(), blob.type(), counted(opens, gate)));
      Thread.sleep(200);
      gate.countDown();
      assertThat(first.get()).isEqualTo(second.get());
    }
    assertThat(opens).hasValue(1);
  }

  @Test
  void theMetadataFileSaysDigestDiffIdMediaTypeAndSizes() throws IOException {
    StoredLayer layer = blob.ensureIn(store);
    JsonNode json =
        new ObjectMapper().readTree(layer.root().getParent().resolve("layer.json").toFile());
    assertThat(json.get("digest").asText()).isEqualTo(blob.digest().toString());
    assertThat(json.get("diffId").asText()).isEqualTo(layer.diffId().toString());
    assertThat(json.get("mediaType").asText())
        .isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
    assertThat(json.get("size").asLong()).isEqualTo(blob.bytes().length);
    assertThat(json.get("unpackedBytes").asLong()).isEqualTo("ID=test\n".length());
    assertThat(layer.root().resolve("layer.json")).as("not a file of the image").doesNotExist();
  }

  @Test
  void layersAreListedSizedAndRemoved() throws IOException {
    StoredLayer first = blob.ensureIn(store);
    StoredLayer second = TestBlob.gzipped(tar().file("big", "x".repeat(1000))).ensureIn(store);
    assertThat(store.layers()).containsExactlyInAnyOrder(first, second);
    assertThat(store.sizeBytes()).isEqualTo(first.unpackedBytes() + 1000);

    assertThat(store.remove(first.digest())).isTrue();
    assertThat(store.remove(first.digest())).isFalse();
    assertThat(store.layers()).containsExactly(second);
    assertThat(first.root().getParent()).doesNotExist();
    assertThat(store.find(first.digest())).isEmpty();
    try (Stream<Path> staging = Files.list(dir.resolve("tmp"))) {
      assertThat(staging).isEmpty();
    }
  }

  @Test
  void whatACrashedUnpackLeftIsRemovedByTheNextUnpackOfThatLayer() throws IOException {
    Path leftover = dir.resolve("tmp").resolve(blob.digest().hex() + "-crashed");
    Files.createDirectories(leftover.resolve("fs/half"));
    Path otherLayers = Files.createDirectories(dir.resolve("tmp").resolve("0".repeat(64) + "-x"));
    blob.ensureIn(store);
    assertThat(leftover).doesNotExist();
    assertThat(otherLayers).as("another layer's unpack, maybe under way").exists();
  }

  @Test
  void aRefusedLayerLeavesNothingAndCanBeRetriedFromAGoodSource() throws IOException {
    BlobSource wrong = () -> new ByteArrayInputStream(TestBlob.gzip(tar().file("x", "y").bytes()));
    assertThatThrownBy(() -> store.ensure(blob.digest(), blob.type(), wrong))
        .isInstanceOf(InvalidLayerException.class);
    assertThat(store.layers()).isEmpty();
    assertThat(blob.ensureIn(store).root().resolve("etc/os-release")).exists();
  }

  @Test
  void theStoreDirectoryIsPrivateToItsOwner() throws IOException {
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");
  }
}
