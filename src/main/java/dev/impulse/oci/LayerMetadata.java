package dev.impulse.oci;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the store keeps of a layer beside its tree, in {@value #FILE_NAME}: written into the staging
 * directory before it is moved into place, so every stored layer has one.
 *
 * @param digest the blob's digest, {@code sha256:...}
 * @param diffId its uncompressed tar's digest
 * @param mediaType the media type it was unpacked as
 * @param size the blob's bytes
 * @param unpackedBytes the file content written
 */
record LayerMetadata(
    String digest, String diffId, String mediaType, long size, long unpackedBytes) {
  static final String FILE_NAME = "layer.json";

  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  static LayerMetadata of(UnpackedLayer layer, LayerMediaType mediaType) {
    return new LayerMetadata(
        layer.digest().toString(),
        layer.diffId().toString(),
        mediaType.text(),
        layer.size(),
        layer.unpackedBytes());
  }

  /** Reads the file in {@code home}; an invalid one is an {@link IOException} naming it. */
  static LayerMetadata read(Path home) throws IOException {
    Path file = home.resolve(FILE_NAME);
    try {
      return JSON.readValue(file.toFile(), LayerMetadata.class);
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  void write(Path home) throws IOException {
    Files.write(home.resolve(FILE_NAME), JSON.writeValueAsBytes(this));
  }

  /** The stored layer whose tree is {@code root}; throws when the file says something invalid. */
  StoredLayer toLayer(Path root) {
    return new StoredLayer(
        Digest.parse(digest),
        Digest.parse(diffId),
        LayerMediaType.parse(mediaType),
        size,
        unpackedBytes,
        root);
  }
}
