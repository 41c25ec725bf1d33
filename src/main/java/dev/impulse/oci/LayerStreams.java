package dev.impulse.oci;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The two counting, hashing streams a layer is read through: the blob as its source gives it (its
 * SHA-256 is the digest the manifest names) and the uncompressed tar (its SHA-256 is the diffID the
 * image config names). Every byte that passes is hashed and counted, skipped ones included (a skip
 * reads), and each count is checked against its bound as it grows. Not thread-safe: one layer, one
 * thread.
 */
final class LayerStreams {
  private LayerStreams() {}

  /** Hashes and counts what passes, refusing more than {@code limit} bytes. */
  private abstract static class Counted extends FilterInputStream {
    private final MessageDigest sha256 = Digest.sha256();
    private final byte[] skipBuffer = new byte[8192];
    long bytes;

    Counted(InputStream in) {
      super(in);
    }

    /** Called with the new count after each read; throws when a bound is passed. */
    abstract void check(long count);

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = in.read(buffer, offset, length);
      if (n > 0) {
        sha256.update(buffer, offset, n);
        bytes += n;
        check(bytes);
      }
      return n;
    }

    /** Reads what is skipped: it is part of the digest. */
    @Override
    public long skip(long n) throws IOException {
      long skipped = 0;
      while (skipped < n) {
        int got = read(skipBuffer, 0, (int) Math.min(skipBuffer.length, n - skipped));
        if (got < 0) {
          break;
        }
        skipped += got;
      }
      return skipped;
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    /** Reads to the end, so the digest covers everything the stream holds. */
    void drain() throws IOException {
      while (skip(Long.MAX_VALUE) > 0) {
        // skip reads
      }
    }

    Digest digest() {
      return Digest.of(sha256);
    }
  }

  /**
   * The blob as its source gives it. A failure of the source (the network) is remembered, so that
   * it is told apart from a corrupt blob even when a reader above swallowed it (the JDK's gzip
   * reader takes a failure after a member for the end of the stream).
   */
  static final class Blob extends Counted {
    private final long limit;
    private IOException sourceFailure;

    Blob(InputStream source, long limit) {
      super(source);
      this.limit = limit;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      try {
        return super.read(buffer, offset, length);
      } catch (IOException e) {
        sourceFailure = e;
        throw e;
      }
    }

    @Override
    void check(long count) {
      if (count > limit) {
        throw new InvalidLayerException("its blob is over " + limit + " bytes");
      }
    }

    Optional<IOException> sourceFailure() {
      return Optional.ofNullable(sourceFailure);
    }
  }

  /** The uncompressed tar, bounded in size and in its ratio to the blob bytes read so far. */
  static final class Tar extends Counted {
    private final Blob blob;
    private final LayerLimits limits;

    Tar(InputStream uncompressed, Blob blob, LayerLimits limits) {
      super(uncompressed);
      this.blob = blob;
      this.limits = limits;
    }

    @Override
    void check(long count) {
      if (count > limits.maxUnpackedBytes()) {
        throw new InvalidLayerException(
            "its tar is over " + limits.maxUnpackedBytes() + " bytes uncompressed");
      }
      if (count > LayerLimits.BOMB_GRACE_BYTES && count / limits.maxExpansionRatio() > blob.bytes) {
        throw new InvalidLayerException(
            "it is a compression bomb: "
                + blob.bytes
                + " compressed bytes have unpacked to "
                + count
                + ", more than "
                + limits.maxExpansionRatio()
                + " times as many");
      }
    }
  }
}
