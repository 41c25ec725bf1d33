package dev.impulse.image;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * What the state store records of a function version, kept as well in {@value #FILE_NAME} next to
 * its layer ({@code functions/<app>/<version>/function.json}), so the version's directory alone
 * says what it is: when the store loses its row (impulse.db lost or replaced), the version is
 * re-imported from this file with its digest, not deleted. Written before the directory is moved
 * into place, so every version directory a running impulse made has one.
 *
 * @param digest the SHA-256 of the uploaded archive, or a {@link TreeDigest} for versions stored
 *     before this file existed
 * @param archiveBytes the archive's size; 0 when unknown (re-imported from a tree)
 * @param createdTimeMillis when it was stored
 */
record FunctionMetadata(String digest, long archiveBytes, long createdTimeMillis) {
  static final String FILE_NAME = "function.json";

  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  FunctionMetadata {
    if (digest == null || digest.isBlank()) {
      throw new IllegalArgumentException("a function's metadata needs its digest");
    }
    if (archiveBytes < 0) {
      throw new IllegalArgumentException("archiveBytes must not be negative: " + archiveBytes);
    }
  }

  /** The metadata in {@code home}; empty when there is no file. */
  static Optional<FunctionMetadata> read(Path home) throws IOException {
    Path file = home.resolve(FILE_NAME);
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(file.toFile(), FunctionMetadata.class));
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes the file into {@code home}, replacing any, through a rename: never half written. */
  void write(Path home) throws IOException {
    Path temporary = home.resolve(FILE_NAME + ".tmp");
    Files.write(temporary, JSON.writeValueAsBytes(this));
    Files.move(
        temporary,
        home.resolve(FILE_NAME),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }
}
