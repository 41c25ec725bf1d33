package dev.impulse.oci.registry;

import static dev.impulse.oci.registry.FakeRegistry.answer;
import static dev.impulse.testing.Tars.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.impulse.oci.Digest;
import dev.impulse.oci.LayerLimits;
import dev.impulse.oci.LayerStore;
import dev.impulse.oci.StoredLayer;
import dev.impulse.oci.registry.RegistryException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from a fake registry into a real layer store in a temporary directory. */
class ImagePullerTest {
  @TempDir Path tmp;
  private final FakeRegistry registry = new FakeRegistry();
  private final RegistryClient client = new RegistryClient(RegistrySettings.defaults());
  private final ImageReference ref = ImageReference.parse(registry.host() + "/team/app:1.0");
  private final List<PullProgress> progress = Collections.synchronizedList(new ArrayList<>());
  private LayerStore store;
  private ImagePuller puller;

  private final TestImage.Layer base =
      TestImage.layer(
          tar().dir("srv").file("srv/a.txt", "from the base\n").file("etc/os", "test\n"));
  private final TestImage.Layer top =
      TestImage.layer(tar().file("srv/a.txt", "from the top\n").symlink("srv/link", "a.txt"));

  @BeforeEach
  void setUp() throws IOException {
    store = LayerStore.open(tmp.resolve("layers"), LayerLimits.DEFAULT);
    puller = new ImagePuller(client, store);
  }

  @AfterEach
  void tearDown() {
    client.close();
    registry.close();
  }

  /** Serves {@code image} at the tag 1.0 and by digest, with its config and layer blobs. */
  private void serve(TestImage image) {
    Map<String, String> type = Map.of("Content-Type", image.manifestType());
    registry.on("GET", "/v2/team/app/manifests/1.0", answer(200, type, image.manifest()));
    registry.on(
        "GET", "/v2/team/app/manifests/" + image.digest(), answer(200, type, image.manifest()));
    registry.on("GET", blobPath(Digest.of(image.config())), answer(200, Map.of(), image.config()));
    for (TestImage.Layer layer : image.layers()) {
      registry.on("GET", blobPath(layer.digest()), answer(200, Map.of(), layer.blob()));
    }
  }

  private static String blobPath(Digest digest) {
    return "/v2/team/app/blobs/" + digest;
  }

  private List<String> tmpEntries() throws IOException {
    try (var entries = Files.list(tmp.resolve("layers/tmp"))) {
      return entries.map(Path::toString).toList();
    }
  }

  @Test
  void aPulledImageHasItsLayersBottomFirstItsConfigAndItsProgress() throws Exception {
    TestImage image = TestImage.of(base, top);
    serve(image);

    PulledImage pulled = puller.pull(ref, progress::add);

    assertThat(pulled.reference()).isEqualTo(ref);
    assertThat(pulled.manifestDigest()).isEqualTo(image.digest());
    assertThat(pulled.layers())
        .extracting(StoredLayer::digest)
        .containsExactly(base.digest(), top.digest());
    assertThat(pulled.layers())
        .extracting(StoredLayer::diffId)
        .containsExactly(base.diffId(), top.diffId());
    assertThat(pulled.layers().get(0).root().resolve("srv/a.txt")).hasContent("from the base");
    assertThat(Files.readSymbolicLink(pulled.layers().get(1).root().resolve("srv/link")))
        .hasToString("a.txt");
    assertThat(pulled.config().env()).contains("GREETING=hi");
    assertThat(pulled.config().workingDir()).isEqualTo("/srv");
    long total = base.blob().length + top.blob().length;
    assertThat(progress).first().isEqualTo(new PullProgress(0, 2, 0, total));
    assertThat(progress).last().isEqualTo(new PullProgress(2, 2, total, total));
    assertThat(progress).hasSize(3);
  }

  @Test
  void layersTheStoreHasAreNotFetchedAgain() throws Exception {
    serve(TestImage.of(base, top));
    puller.pull(ref, p -> {});
    int before = registry.seen("GET", blobPath(base.digest())).size();
    puller.pull(ref, p -> {});
    assertThat(registry.seen("GET", blobPath(base.digest()))).hasSize(before);
  }

  @Test
  void anImageForAnotherPlatformIsRefusedBeforeAnyLayer() throws Exception {
    serve(TestImage.build(List.of(base), "linux", "arm64", false, List.of(base.diffId())));
    assertThatThrownBy(() -> puller.pull(ref, progress::add))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNSUPPORTED))
        .hasMessageContaining("the image is for linux/arm64, and impulse runs linux/amd64 images");
    assertThat(registry.seen("GET", blobPath(base.digest()))).isEmpty();
    assertThat(progress).isEmpty();
  }

  @Test
  void aConfigNamingAnotherDiffIdIsRefusedAndItsLayerLeftForAPrune() throws Exception {
    Digest wrong = new Digest("e".repeat(64));
    serve(TestImage.build(List.of(base), "linux", "amd64", false, List.of(wrong)));
    assertThatThrownBy(() -> puller.pull(ref, p -> {}))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DIGEST_MISMATCH))
        .hasMessageContaining("layer " + base.digest())
        .hasMessageContaining(
            "unpacks to the diffID " + base.diffId() + ", but the image config names " + wrong);
    // the layer is what its digest says; another pull may stack it now: a prune removes it
    assertThat(store.layers()).extracting(StoredLayer::digest).containsExactly(base.digest());
  }

  @Test
  void aLayerTheStoreHadBeforeIsKeptWhenAnotherImagesConfigDisagrees() throws Exception {
    serve(TestImage.of(base));
    puller.pull(ref, p -> {});
    serve(
        TestImage.build(
            List.of(base), "linux", "amd64", false, List.of(new Digest("e".repeat(64)))));
    assertThatThrownBy(() -> puller.pull(ref, p -> {}))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DIGEST_MISMATCH));
    assertThat(store.layers()).extracting(StoredLayer::digest).containsExactly(base.digest());
  }

  @Test
  void aDiffIdCountOtherThanTheLayersIsRefused() {
    serve(TestImage.build(List.of(base, top), "linux", "amd64", false, List.of(base.diffId())));
    assertThatThrownBy(() -> puller.pull(ref, p -> {}))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.PROTOCOL))
        .hasMessageContaining("its config lists 1 diff_ids, its manifest 2 layers");
  }

  @Test
  void aCorruptBlobIsADigestMismatchAndLeavesNothingInTheStore() throws Exception {
    TestImage image = TestImage.of(base);
    serve(image);
    byte[] corrupt = base.blob().clone();
    corrupt[corrupt.length / 2] ^= 0x55;
    registry.on("GET", blobPath(base.digest()), answer(200, Map.of(), corrupt));

    assertThatThrownBy(() -> puller.pull(ref, p -> {}))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DIGEST_MISMATCH))
        .hasMessageContaining("layer " + base.digest())
        .hasMessageContaining("the registry serves a blob whose digest is " + Digest.of(corrupt));
    assertThat(store.layers()).isEmpty();
    assertThat(tmpEntries()).isEmpty();
  }

  @Test
  void anAuthenticLayerTheStoreRefusesIsUnsupported() throws Exception {
    TestImage.Layer hostile = TestImage.layer(tar().file("../escape", "x"));
    serve(TestImage.of(hostile));
    assertThatThrownBy(() -> puller.pull(ref, p -> {}))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNSUPPORTED))
        .hasMessageContaining("the layer store refuses it")
        .hasMessageContaining("../escape");
    assertThat(store.layers()).isEmpty();
    assertThat(tmpEntries()).isEmpty();
    assertThat(tmp.resolve("escape")).doesNotExist();
  }

  @Test
  void aZstdLayerIsRefusedBeforeAnyLayerIsFetched() {
    TestImage.Layer zstd =
        TestImage.layer(tar().file("a", "x"), "application/vnd.oci.image.layer.v1.tar+zstd");
    serve(TestImage.of(base, zstd));
    assertThatThrownBy(() -> puller.pull(ref, p -> {}))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNSUPPORTED))
        .hasMessageContaining("zstd");
    assertThat(registry.seen("GET", blobPath(base.digest()))).isEmpty();
  }

  @Test
  void aMissingLayerBlobIsNotFoundAndNoLaterLayerIsStarted() throws Exception {
    List<TestImage.Layer> layers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      layers.add(TestImage.layer(tar().file("f" + i, "layer " + i)));
    }
    TestImage image = TestImage.of(layers.toArray(TestImage.Layer[]::new));
    serve(image);
    registry.on(
        "GET",
        blobPath(layers.getFirst().digest()),
        answer(404, Map.of(), FakeRegistry.error("BLOB_UNKNOWN", "blob unknown")));

    assertThatThrownBy(() -> puller.pull(ref, p -> {}))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND))
        .hasMessageContaining("BLOB_UNKNOWN")
        .hasMessageContaining("push the image again");
    assertThat(registry.seen("GET", blobPath(layers.getLast().digest()))).isEmpty();
    assertThat(tmpEntries()).isEmpty();
  }
}
