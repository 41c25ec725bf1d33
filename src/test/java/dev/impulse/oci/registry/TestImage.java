package dev.impulse.oci.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.impulse.oci.Descriptor;
import dev.impulse.oci.Digest;
import dev.impulse.oci.LayerMediaType;
import dev.impulse.oci.MediaTypes;
import dev.impulse.testing.Tars;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * An image built in memory for tests: gzipped layers, a config naming their diffIDs and a manifest
 * (OCI or Docker schema 2) naming both; what a registry would hold.
 *
 * @param layers the layers, bottom first
 * @param config the config's bytes
 * @param manifestType the manifest's media type
 * @param manifest the manifest's bytes
 */
record TestImage(List<Layer> layers, byte[] config, String manifestType, byte[] manifest) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A layer: its uncompressed tar, its blob and the blob's descriptor. */
  record Layer(byte[] tar, byte[] blob, Descriptor descriptor) {
    Digest diffId() {
      return Digest.of(tar);
    }

    Digest digest() {
      return descriptor.digest();
    }
  }

  static Layer layer(Tars tar) {
    return layer(tar, LayerMediaType.OCI_TAR_GZIP.text());
  }

  static Layer layer(Tars tar, String mediaType) {
    byte[] bytes = tar.bytes();
    byte[] blob = gzip(bytes);
    return new Layer(bytes, blob, new Descriptor(mediaType, Digest.of(blob), blob.length));
  }

  /** An OCI linux/amd64 image of {@code layers}. */
  static TestImage of(Layer... layers) {
    return build(List.of(layers), "linux", "amd64", false, diffIds(List.of(layers)));
  }

  /** A Docker schema 2 linux/amd64 image of {@code layers}. */
  static TestImage docker(Layer... layers) {
    return build(List.of(layers), "linux", "amd64", true, diffIds(List.of(layers)));
  }

  /** An image whose config names {@code os}/{@code architecture} and {@code diffIds}. */
  static TestImage build(
      List<Layer> layers, String os, String architecture, boolean docker, List<Digest> diffIds) {
    ObjectNode config = JSON.createObjectNode().put("architecture", architecture).put("os", os);
    ObjectNode inner = config.putObject("config");
    inner.putArray("Env").add("PATH=/usr/local/bin:/usr/bin:/bin").add("GREETING=hi");
    inner.putArray("Cmd").add("/bin/hello");
    inner.put("WorkingDir", "/srv");
    inner.putObject("Labels").put("org.opencontainers.image.title", "test");
    ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
    ArrayNode ids = rootfs.putArray("diff_ids");
    diffIds.forEach(d -> ids.add(d.toString()));
    byte[] configBytes = bytes(config);
    String configType = docker ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG;
    String manifestType = docker ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST;
    ObjectNode manifest =
        JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", manifestType);
    descriptor(
        manifest.putObject("config"),
        new Descriptor(configType, Digest.of(configBytes), configBytes.length));
    ArrayNode layerList = manifest.putArray("layers");
    layers.forEach(l -> descriptor(layerList.addObject(), l.descriptor()));
    return new TestImage(List.copyOf(layers), configBytes, manifestType, bytes(manifest));
  }

  /** An OCI index naming {@code entries}: each a manifest's bytes and its platform "os/arch". */
  static byte[] index(List<byte[]> manifests, List<String> platforms) {
    ObjectNode index =
        JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode list = index.putArray("manifests");
    for (int i = 0; i < manifests.size(); i++) {
      ObjectNode entry = list.addObject();
      descriptor(
          entry,
          new Descriptor(
              MediaTypes.OCI_MANIFEST, Digest.of(manifests.get(i)), manifests.get(i).length));
      String[] platform = platforms.get(i).split("/");
      entry.putObject("platform").put("os", platform[0]).put("architecture", platform[1]);
    }
    return bytes(index);
  }

  Descriptor configDescriptor() {
    return new Descriptor(
        manifestType.equals(MediaTypes.DOCKER_MANIFEST)
            ? MediaTypes.DOCKER_CONFIG
            : MediaTypes.OCI_CONFIG,
        Digest.of(config),
        config.length);
  }

  Digest digest() {
    return Digest.of(manifest);
  }

  static List<Digest> diffIds(List<Layer> layers) {
    List<Digest> ids = new ArrayList<>();
    layers.forEach(l -> ids.add(l.diffId()));
    return ids;
  }

  private static void descriptor(ObjectNode node, Descriptor descriptor) {
    node.put("mediaType", descriptor.mediaType())
        .put("digest", descriptor.digest().toString())
        .put("size", descriptor.size());
  }

  private static byte[] bytes(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
