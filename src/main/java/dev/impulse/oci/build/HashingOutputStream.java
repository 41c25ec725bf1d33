package dev.impulse.oci.build;

import dev.impulse.oci.Digest;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Hashes (SHA-256) and counts every byte on its way through: the digest and size of a blob are
 * computed while it is written, never by reading it again. Not thread-safe.
 */
final class HashingOutputStream extends FilterOutputStream {
  private final MessageDigest sha256 = Digest.sha256();
  private long bytes;

  HashingOutputStream(OutputStream out) {
    super(out);
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    sha256.update((byte) b);
    bytes++;
  }

  /** Passes the bytes on in one call; {@link FilterOutputStream}'s would write them one by one. */
  @Override
  public void write(byte[] buffer, int offset, int length) throws IOException {
    out.write(buffer, offset, length);
    sha256.update(buffer, offset, length);
    bytes += length;
  }

  long bytes() {
    return bytes;
  }

  /** The digest of everything written; call once, after the last write. */
  Digest digest() {
    return Digest.of(sha256);
  }
}
