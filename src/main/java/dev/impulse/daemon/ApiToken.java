package dev.impulse.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's bearer token: read from its file, or, at the first start, made at random (256 bits) and
 * written to {@code <data-dir>/api-token} with mode 0600, so only root (and whoever root lets read
 * the file) can call the API. The CLI and the tests read the same file.
 */
final class ApiToken {
  private static final Logger log = LoggerFactory.getLogger(ApiToken.class);
  static final int MIN_LENGTH = 16;

  private ApiToken() {}

  /**
   * The token in {@code file}. When {@code given} (the operator named the file) it must exist;
   * otherwise a missing one is made.
   */
  static String loadOrCreate(Path file, boolean given) {
    try {
      if (Files.exists(file)) {
        return read(file);
      }
      if (given) {
        throw new IllegalStateException(
            "--api-token-file "
                + file
                + " does not exist; write a token of at least "
                + MIN_LENGTH
                + " characters to it (mode 0600), or leave the option out to have one made");
      }
      return create(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the API token file " + file, e);
    }
  }

  private static String read(Path file) throws IOException {
    String token = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (token.length() < MIN_LENGTH || !token.matches("[\\x21-\\x7e]+")) {
      throw new IllegalStateException(
          "the API token in "
              + file
              + " must be at least "
              + MIN_LENGTH
              + " printable characters without spaces; fix it, or delete the file to have one made");
    }
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
    if (mode.contains(PosixFilePermission.OTHERS_READ)) {
      log.warn(
          "the API token file {} is readable by every user ({}): anyone on this machine can call"
              + " the API; chmod 600 it",
          file,
          PosixFilePermissions.toString(mode));
    }
    return token;
  }

  private static String create(Path file) throws IOException {
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path staging =
        Files.createTempFile(
            file.toAbsolutePath().getParent(),
            ".api-token-",
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.writeString(staging, token + "\n", StandardCharsets.UTF_8);
      Files.move(staging, file, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(staging);
    }
    log.info("made a new API token in {} (mode 0600)", file);
    return token;
  }
}
