package dev.impulse.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.impulse.oci.Descriptor;
import dev.impulse.oci.Digest;
import dev.impulse.oci.MediaTypes;
import dev.impulse.oci.registry.Manifests.ContentException;
import dev.impulse.oci.registry.RegistryException.Kind;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ManifestsTest {
  static final String A = "sha256:" + "a".repeat(64);
  static final String B = "sha256:" + "b".repeat(64);
  static final String C = "sha256:" + "c".repeat(64);

  static String manifest(String mediaType, String layers) {
    return """
    {"schemaVersion":2,%s
     "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":7},
     "layers":[%s]}\
    """
        .formatted(mediaType.isEmpty() ? "" : "\"mediaType\":\"" + mediaType + "\",", A, layers);
  }

  static String layer(String digest, long size) {
    return """
    {"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d,
     "annotations":{"note":"x"}}\
    """
        .formatted(digest, size);
  }

  static String entry(String digest, String os, String architecture) {
    return """
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":100,
     "platform":{"os":"%s","architecture":"%s"}}\
    """
        .formatted(digest, os, architecture);
  }

  static String index(String... entries) {
    return """
    {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s]}\
    """
        .formatted(String.join(",", entries));
  }

  private static com.fasterxml.jackson.databind.JsonNode json(String text) {
    return Manifests.read(text.getBytes(StandardCharsets.UTF_8));
  }

  private static void refused(ThrowingCallable parse, Kind kind, String says) {
    assertThatThrownBy(parse)
        .isInstanceOfSatisfying(ContentException.class, e -> assertThat(e.kind()).isEqualTo(kind))
        .hasMessageContaining(says);
  }

  @Test
  void aManifestsConfigAndLayersAreReadBottomFirst() {
    Manifests.Blobs blobs =
        Manifests.blobs(
            json(manifest(MediaTypes.OCI_MANIFEST, layer(B, 10) + "," + layer(C, 20))), 128);
    assertThat(blobs.config()).isEqualTo(new Descriptor(MediaTypes.OCI_CONFIG, Digest.parse(A), 7));
    assertThat(blobs.layers())
        .extracting(Descriptor::digest)
        .containsExactly(Digest.parse(B), Digest.parse(C));
    assertThat(blobs.layers().getFirst().annotations()).containsEntry("note", "x");
  }

  @Test
  void theMediaTypeComesFromTheManifestOrElseTheContentType() {
    assertThat(Manifests.mediaType(json(manifest(MediaTypes.OCI_MANIFEST, "")), Optional.empty()))
        .isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(
            Manifests.mediaType(
                json(manifest("", "")),
                Optional.of(MediaTypes.DOCKER_MANIFEST + "; charset=utf-8")))
        .isEqualTo(MediaTypes.DOCKER_MANIFEST);
    refused(
        () -> Manifests.mediaType(json(manifest("", "")), Optional.of("application/json")),
        Kind.PROTOCOL,
        "says what kind of manifest");
    refused(
        () ->
            Manifests.mediaType(
                json(manifest(MediaTypes.OCI_MANIFEST, "")), Optional.of(MediaTypes.OCI_INDEX)),
        Kind.PROTOCOL,
        "but it says it is");
  }

  @Test
  void schema1AndUnknownTypesAreUnsupported() {
    refused(
        () -> Manifests.mediaType(json("{\"schemaVersion\":1,\"name\":\"x\"}"), Optional.empty()),
        Kind.UNSUPPORTED,
        "schema 1");
    refused(
        () ->
            Manifests.mediaType(
                json("{\"schemaVersion\":2}"),
                Optional.of("application/vnd.docker.distribution.manifest.v1+prettyjws")),
        Kind.UNSUPPORTED,
        "schema 1");
    refused(
        () ->
            Manifests.mediaType(
                json(manifest("application/vnd.oci.artifact.manifest.v1+json", "")),
                Optional.empty()),
        Kind.UNSUPPORTED,
        "no image manifest or index");
  }

  @Test
  void aManifestWhoseConfigIsNoImageConfigIsUnsupported() {
    String helm =
        manifest(MediaTypes.OCI_MANIFEST, "")
            .replace(MediaTypes.OCI_CONFIG, "application/vnd.cncf.helm.config.v1+json");
    refused(() -> Manifests.blobs(json(helm), 128), Kind.UNSUPPORTED, "no container image");
  }

  @Test
  void moreLayersThanTheBoundAreTooLarge() {
    String layers = String.join(",", java.util.Collections.nCopies(4, layer(B, 1)));
    refused(
        () -> Manifests.blobs(json(manifest(MediaTypes.OCI_MANIFEST, layers)), 3),
        Kind.TOO_LARGE,
        "at most 3");
  }

  @Test
  void invalidDescriptorsAreRefusedNamingTheField() {
    refused(
        () -> Manifests.blobs(json(manifest("", layer("sha256:short", 1))), 128),
        Kind.PROTOCOL,
        "layers[0]'s digest");
    refused(
        () -> Manifests.blobs(json(manifest("", layer("sha512:" + "a".repeat(128), 1))), 128),
        Kind.UNSUPPORTED,
        "layers[0]'s digest");
    refused(
        () -> Manifests.blobs(json(manifest("", layer(B, -1))), 128),
        Kind.PROTOCOL,
        "layers[0]'s size");
    refused(
        () -> Manifests.blobs(json(manifest("", layer(B, 1).replace("\"x\"", "1"))), 128),
        Kind.PROTOCOL,
        "annotation note");
    refused(
        () -> Manifests.blobs(json("{\"schemaVersion\":2,\"layers\":[]}"), 128),
        Kind.PROTOCOL,
        "config is not a descriptor");
    refused(
        () ->
            Manifests.blobs(json(manifest("", "").replace("\"layers\":[]", "\"layers\":{}")), 128),
        Kind.PROTOCOL,
        "no 'layers' list");
  }

  @Test
  void duplicateKeysAndNonObjectsAreRefused() {
    refused(() -> json("{\"layers\":[],\"layers\":[]}"), Kind.PROTOCOL, "not valid JSON");
    refused(() -> json("[1]"), Kind.PROTOCOL, "not a JSON object");
    refused(() -> json("{"), Kind.PROTOCOL, "not valid JSON");
  }

  @Test
  void anIndexResolvesToItsLinuxAmd64Entry() {
    List<Manifests.Entry> entries =
        Manifests.entries(
            json(
                index(
                    entry(A, "linux", "arm64"),
                    entry(B, "linux", "amd64"),
                    entry(C, "unknown", "unknown"))));
    assertThat(entries).hasSize(3);
    assertThat(Manifests.choose(entries).digest()).isEqualTo(Digest.parse(B));
  }

  @Test
  void anIndexWithoutLinuxAmd64IsRefusedNamingItsPlatforms() {
    List<Manifests.Entry> entries =
        Manifests.entries(
            json(
                index(
                    entry(A, "linux", "arm64"),
                    entry(B, "windows", "amd64"),
                    entry(C, "unknown", "unknown"))));
    refused(
        () -> Manifests.choose(entries),
        Kind.UNSUPPORTED,
        "it has linux/arm64, windows/amd64: build");
  }

  @Test
  void aNestedIndexForLinuxAmd64IsUnsupported() {
    String nested =
        entry(A, "linux", "amd64").replace(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX);
    refused(
        () -> Manifests.choose(Manifests.entries(json(index(nested)))), Kind.UNSUPPORTED, "nested");
  }

  @Test
  void entriesWithoutAPlatformAreIgnored() {
    String bare =
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
            + A
            + "\",\"size\":1}";
    assertThat(Manifests.entries(json(index(bare)))).isEmpty();
    refused(() -> Manifests.choose(List.of()), Kind.UNSUPPORTED, "none for any platform");
  }
}
