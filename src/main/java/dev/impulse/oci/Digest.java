package dev.impulse.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest as OCI writes it, {@code sha256:} and 64 lowercase hex digits. Only SHA-256: it
 * is what every registry and builder uses, and the image spec's other registered algorithm
 * (SHA-512) is refused with a message rather than half supported. A {@code Digest} is valid by
 * construction, so its hex can name a directory. Immutable.
 *
 * @param hex the 64 lowercase hex digits
 */
public record Digest(String hex) {
  private static final String PREFIX = "sha256:";
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  public Digest {
    if (hex == null || !HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException(
          "'" + hex + "' is not a SHA-256 digest's hex: it needs 64 lowercase hex digits");
    }
  }

  /** Parses {@code sha256:<hex>}, as a manifest or a layer's diffID names it. */
  public static Digest parse(String text) {
    if (text == null || !text.startsWith(PREFIX)) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a digest impulse takes: only 'sha256:' followed by 64 lowercase hex"
              + " digits");
    }
    return new Digest(text.substring(PREFIX.length()));
  }

  /** The digest {@code sha256} has computed (which it resets). */
  public static Digest of(MessageDigest sha256) {
    return new Digest(HexFormat.of().formatHex(sha256.digest()));
  }

  /** The digest of {@code bytes}. */
  public static Digest of(byte[] bytes) {
    MessageDigest sha256 = sha256();
    sha256.update(bytes);
    return of(sha256);
  }

  /** A new SHA-256 {@link MessageDigest}. */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }

  /** The first 12 hex digits, enough to name a layer in a log line. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @Override
  public String toString() {
    return PREFIX + hex;
  }
}
