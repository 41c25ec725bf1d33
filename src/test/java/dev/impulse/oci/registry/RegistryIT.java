package dev.impulse.oci.registry;

import static dev.impulse.testing.Tars.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.linux.FileTrees;
import dev.impulse.oci.Descriptor;
import dev.impulse.oci.Digest;
import dev.impulse.oci.LayerLimits;
import dev.impulse.oci.LayerMediaType;
import dev.impulse.oci.LayerStore;
import dev.impulse.oci.MediaTypes;
import dev.impulse.oci.StoredLayer;
import dev.impulse.oci.registry.RegistryException.Kind;
import dev.impulse.testing.LocalRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client and the puller against a real registry (Debian's docker-registry on a loopback port),
 * with skopeo as the independent judge of what was pushed. Each test uses layers of its own
 * content: the registry stores blobs once for all repositories.
 */
class RegistryIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static LocalRegistry registry;
  private static RegistryClient client;

  private Path scratch;
  private LayerStore store;
  private ImagePuller puller;
  private final String unique = UUID.randomUUID().toString();

  @BeforeAll
  static void startRegistry() throws IOException {
    registry = LocalRegistry.start();
    client = new RegistryClient(RegistrySettings.defaults());
  }

  @AfterAll
  static void stopRegistry() throws IOException {
    client.close();
    registry.close();
    assertThat(registry.storage()).doesNotExist();
  }

  @BeforeEach
  void setUp() throws IOException {
    scratch = Files.createTempDirectory("impulse-registry-it-");
    store = LayerStore.open(scratch.resolve("layers"), LayerLimits.DEFAULT);
    puller = new ImagePuller(client, store);
  }

  @AfterEach
  void tearDown() throws IOException {
    FileTrees.deleteRecursively(scratch);
  }

  private ImageReference ref(String repositoryAndTag) {
    return ImageReference.parse(registry.host() + "/" + repositoryAndTag);
  }

  private TestImage.Layer appLayer() {
    return TestImage.layer(
        tar()
            .dir("app")
            .dir("app/bin")
            .file("app/hello.txt", "hello from " + unique + "\n")
            .file("app/bin/run.sh", "#!/bin/sh\necho run\n", 0755)
            .symlink("app/current", "hello.txt"));
  }

  /** Pushes the image's blobs and manifest to {@code ref}; returns the manifest's digest. */
  private static Digest push(ImageReference ref, TestImage image) throws IOException {
    for (TestImage.Layer layer : image.layers()) {
      client.pushBlob(ref, layer.descriptor(), () -> new ByteArrayInputStream(layer.blob()));
    }
    client.pushBlob(ref, image.configDescriptor(), () -> new ByteArrayInputStream(image.config()));
    return client.pushManifest(ref, image.manifestType(), image.manifest());
  }

  @Test
  void anImagePushedByTheClientIsWhatSkopeoSeesAndPullsBackIntact() throws Exception {
    TestImage.Layer layer = appLayer();
    TestImage image = TestImage.of(layer);
    ImageReference ref = ref("it/hello:1.0");

    Digest digest = push(ref, image);

    assertThat(digest).isEqualTo(image.digest());
    JsonNode inspected = JSON.readTree(skopeo("inspect", "--tls-verify=false", "docker://" + ref));
    assertThat(inspected.path("Digest").asText()).isEqualTo(digest.toString());
    assertThat(inspected.path("Os").asText()).isEqualTo("linux");
    assertThat(inspected.path("Architecture").asText()).isEqualTo("amd64");
    assertThat(inspected.path("Layers").get(0).asText()).isEqualTo(layer.digest().toString());
    assertThat(skopeo("inspect", "--tls-verify=false", "--raw", "docker://" + ref))
        .isEqualTo(new String(image.manifest(), StandardCharsets.UTF_8));
    assertThat(
            JSON.readTree(skopeo("inspect", "--tls-verify=false", "--config", "docker://" + ref)))
        .isEqualTo(JSON.readTree(image.config()));
    assertThat(client.hasBlob(ref, layer.digest())).isTrue();

    PulledImage pulled = puller.pull(ref, p -> {});

    assertThat(pulled.manifestDigest()).isEqualTo(digest);
    assertThat(pulled.config().cmd()).containsExactly("/bin/hello");
    StoredLayer stored = pulled.layers().getFirst();
    assertThat(stored.diffId()).isEqualTo(layer.diffId());
    Path app = stored.root().resolve("app");
    assertThat(app).isDirectory();
    assertThat(app.resolve("hello.txt")).hasContent("hello from " + unique);
    assertThat(Files.getPosixFilePermissions(app.resolve("bin/run.sh")))
        .contains(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
    assertThat(Files.readSymbolicLink(app.resolve("current"))).hasToString("hello.txt");
  }

  @Test
  void anImagePulledByDigestIsTheSameImage() throws Exception {
    TestImage image = TestImage.of(appLayer());
    Digest digest = push(ref("it/pinned:1"), image);

    ImageReference pinned = ImageReference.parse(registry.host() + "/it/pinned@" + digest);
    PulledImage pulled = puller.pull(pinned, p -> {});

    assertThat(pulled.manifestDigest()).isEqualTo(digest);
    assertThat(pulled.layers())
        .extracting(StoredLayer::digest)
        .containsExactly(image.layers().getFirst().digest());
  }

  @Test
  void aMultiPlatformIndexPullsItsAmd64Image() throws Exception {
    TestImage amd64 = TestImage.of(appLayer());
    TestImage.Layer armLayer = TestImage.layer(tar().file("arm.txt", "arm " + unique));
    TestImage arm64 =
        TestImage.build(List.of(armLayer), "linux", "arm64", false, List.of(armLayer.diffId()));
    Digest amd64Digest =
        push(ImageReference.parse(registry.host() + "/it/multi@" + amd64.digest()), amd64);
    push(ImageReference.parse(registry.host() + "/it/multi@" + arm64.digest()), arm64);
    byte[] index =
        TestImage.index(
            List.of(arm64.manifest(), amd64.manifest()), List.of("linux/arm64", "linux/amd64"));
    ImageReference ref = ref("it/multi:2");
    client.pushManifest(ref, MediaTypes.OCI_INDEX, index);

    PulledImage pulled = puller.pull(ref, p -> {});

    assertThat(pulled.manifestDigest()).isEqualTo(amd64Digest);
    assertThat(store.find(armLayer.digest())).isEmpty();
    assertThat(skopeo("inspect", "--tls-verify=false", "--raw", "docker://" + ref))
        .isEqualTo(new String(index, StandardCharsets.UTF_8));
  }

  @Test
  void anUnknownTagIsNotFound() throws Exception {
    push(ref("it/known:1"), TestImage.of(appLayer()));
    assertThatThrownBy(() -> puller.pull(ref("it/known:nope"), p -> {}))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND);
              assertThat(e.status()).hasValue(404);
            })
        .hasMessageContaining(
            "registry " + registry.host() + ", repository it/known, manifest nope")
        .hasMessageContaining("MANIFEST_UNKNOWN")
        .hasMessageContaining(
            "skopeo list-tags --tls-verify=false docker://" + registry.host() + "/it/known");
    assertThatThrownBy(() -> puller.pull(ref("it/never-pushed:1"), p -> {}))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND));
  }

  @Test
  void aLayerCorruptedInTheRegistryFailsThePullAndLeavesNothingInTheStore() throws Exception {
    TestImage.Layer layer = appLayer();
    ImageReference ref = ref("it/corrupt:1");
    push(ref, TestImage.of(layer));
    Path data = registry.blobData(layer.digest());
    assertThat(data).exists();
    try (RandomAccessFile file = new RandomAccessFile(data.toFile(), "rw")) {
      long middle = file.length() / 2;
      file.seek(middle);
      int b = file.read();
      file.seek(middle);
      file.write(b ^ 0x55);
    }

    assertThatThrownBy(() -> puller.pull(ref, p -> {}))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DIGEST_MISMATCH))
        .hasMessageContaining("layer " + layer.digest());

    assertThat(store.layers()).isEmpty();
    try (var staging = Files.list(scratch.resolve("layers/tmp"))) {
      assertThat(staging).isEmpty();
    }
  }

  @Test
  void aConfigWhoseDiffIdsDoNotMatchIsRefusedAndTheLayerLeftForAPrune() throws Exception {
    TestImage.Layer layer = appLayer();
    Digest wrong = Digest.of(("not the tar " + unique).getBytes(StandardCharsets.UTF_8));
    ImageReference ref = ref("it/lying:1");
    push(ref, TestImage.build(List.of(layer), "linux", "amd64", false, List.of(wrong)));

    assertThatThrownBy(() -> puller.pull(ref, p -> {}))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DIGEST_MISMATCH))
        .hasMessageContaining("the image config names " + wrong);
    assertThat(store.layers()).extracting(StoredLayer::digest).containsExactly(layer.digest());
    assertThat(store.remove(layer.digest())).isTrue();
  }

  @Test
  void aDockerSchema2ImagePullsToo() throws Exception {
    TestImage.Layer layer =
        TestImage.layer(
            tar().file("docker.txt", "docker " + unique), LayerMediaType.DOCKER_TAR_GZIP.text());
    TestImage image = TestImage.docker(layer);
    ImageReference ref = ref("it/docker:1");
    push(ref, image);
    JsonNode raw =
        JSON.readTree(skopeo("inspect", "--tls-verify=false", "--raw", "docker://" + ref));
    assertThat(raw.path("mediaType").asText()).isEqualTo(MediaTypes.DOCKER_MANIFEST);

    PulledImage pulled = puller.pull(ref, p -> {});

    assertThat(pulled.layers())
        .singleElement()
        .satisfies(l -> {
          assertThat(l.mediaType()).isEqualTo(LayerMediaType.DOCKER_TAR_GZIP);
          assertThat(l.root().resolve("docker.txt")).hasContent("docker " + unique);
        });
  }

  @Test
  void theClientReadsBlobsTheRegistryHoldsByTheirDescriptor() throws Exception {
    TestImage image = TestImage.of(appLayer());
    ImageReference ref = ref("it/blobs:1");
    push(ref, image);
    Descriptor config = image.configDescriptor();
    assertThat(client.blob(ref, config, 1 << 20)).isEqualTo(image.config());
    assertThat(client.hasBlob(ref, Digest.of("absent".getBytes(StandardCharsets.UTF_8)))).isFalse();
  }

  /** Runs skopeo and returns its standard output; fails with its output when it fails. */
  private static String skopeo(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("skopeo"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
    byte[] out = process.getInputStream().readAllBytes();
    byte[] err = process.getErrorStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(command + " did not end within 60 s");
    }
    if (process.exitValue() != 0) {
      throw new AssertionError(
          command
              + " failed ("
              + process.exitValue()
              + "): "
              + new String(err, StandardCharsets.UTF_8));
    }
    return new String(out, StandardCharsets.UTF_8).strip();
  }
}
