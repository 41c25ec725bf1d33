package dev.impulse.oci.build;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.impulse.oci.Descriptor;
import dev.impulse.oci.Digest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What {@link LayerCache} keeps beside a blob, in {@value #FILE_NAME}: the caller's key (the
 * directory is named by its hash) and what the blob is, so a restarted daemon finds its layers
 * without reading them again.
 *
 * @param key the caller's key
 * @param mediaType the blob's media type
 * @param digest the blob's digest, {@code sha256:...}
 * @param size the blob's bytes
 * @param diffId its uncompressed tar's digest
 */
record CacheIndex(String key, String mediaType, String digest, long size, String diffId) {
  static final String FILE_NAME = "entry.json";

  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  static CacheIndex of(String key, LayerBlob blob) {
    return new CacheIndex(
        key,
        blob.descriptor().mediaType(),
        blob.digest().toString(),
        blob.size(),
        blob.diffId().toString());
  }

  /** Reads the index in {@code home}; an unreadable or invalid one is an IOException naming it. */
  static CacheIndex read(Path home) throws IOException {
    Path file = home.resolve(FILE_NAME);
    try {
      CacheIndex index = JSON.readValue(file.toFile(), CacheIndex.class);
      index.blob(home.resolve(LayerCache.BLOB_NAME)); // validates
      return index;
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException(
          "cannot read the layer cache's index " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes the index into {@code home}, synced: it is what makes the entry. */
  void write(Path home) throws IOException {
    Path file = home.resolve(FILE_NAME);
    Files.write(file, JSON.writeValueAsBytes(this), StandardOpenOption.CREATE_NEW);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.force(false);
    }
  }

  /** The blob the index describes, in {@code file}. */
  LayerBlob blob(Path file) {
    return new LayerBlob(
        file, new Descriptor(mediaType, Digest.parse(digest), size), Digest.parse(diffId));
  }
}
