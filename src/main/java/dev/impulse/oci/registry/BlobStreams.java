package dev.impulse.oci.registry;

import dev.impulse.oci.Descriptor;
import dev.impulse.oci.registry.RegistryException.Kind;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The streams a blob passes through, each held to the size its descriptor states: a registry's
 * answer may not be longer (or shorter) than the manifest says, nor a local file pushed as a blob.
 * Not thread-safe: one stream, one reader.
 */
final class BlobStreams {
  private BlobStreams() {}

  /** Reads at most {@code max} + 1 bytes: a result longer than {@code max} means it was over. */
  static byte[] readAtMost(InputStream in, long max) throws IOException {
    return in.readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE - 16));
  }

  /** A stream that counts what passes and checks the count against a size. */
  private abstract static class Sized extends FilterInputStream {
    final long size;
    long count;

    Sized(InputStream in, long size) {
      super(in);
      this.size = size;
    }

    abstract IOException over();

    abstract IOException under();

    abstract IOException failed(IOException e);

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n;
      try {
        n = in.read(buffer, offset, length);
      } catch (IOException e) {
        throw failed(e);
      }
      if (n < 0) {
        if (count < size) {
          throw under();
        }
        return n;
      }
      count += n;
      if (count > size) {
        throw over();
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] buffer = new byte[8192];
      long skipped = 0;
      while (skipped < n) {
        int got = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
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
  }

  /**
   * A blob's body as the registry sends it. Its failures are {@link IOException}s (it is an {@link
   * InputStream}) whose cause is the {@link RegistryException} saying what went wrong: a body
   * longer or shorter than the descriptor's size is {@link Kind#DIGEST_MISMATCH}, a broken
   * connection {@link Kind#UNREACHABLE}.
   */
  static final class Download extends Sized {
    /**
     * The slowest a blob may come, on average, once {@link #GRACE_NANOS} have passed: each gap is
     * bounded by the request timeout, but a registry sending a byte just inside it would hold a
     * pull, its slot and the layer store's prune for days. 64 KiB/s is far below any registry's
     * pace; a 4 GiB layer may take 18 hours at it, a 50 MB one 13 minutes.
     */
    static final long MIN_BYTES_PER_SECOND = 64 * 1024;

    static final long GRACE_NANOS = 30_000_000_000L;

    private final ImageReference ref;
    private final Descriptor blob;
    private final RegistrySettings settings;
    private final java.util.function.LongSupplier clock;
    private final long started;

    Download(InputStream body, ImageReference ref, Descriptor blob, RegistrySettings settings) {
      this(body, ref, blob, settings, System::nanoTime);
    }

    Download(
        InputStream body,
        ImageReference ref,
        Descriptor blob,
        RegistrySettings settings,
        java.util.function.LongSupplier clock) {
      super(body, blob.size());
      this.ref = ref;
      this.blob = blob;
      this.settings = settings;
      this.clock = clock;
      this.started = clock.getAsLong();
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      long elapsed = clock.getAsLong() - started;
      if (n > 0
          && elapsed > GRACE_NANOS
          && count * 1_000_000_000L / elapsed < MIN_BYTES_PER_SECOND) {
        throw wrap(
            Kind.UNREACHABLE,
            "the registry sent "
                + count
                + " bytes in "
                + elapsed / 1_000_000_000L
                + " s, under the "
                + MIN_BYTES_PER_SECOND / 1024
                + " KiB/s a pull needs",
            null);
      }
      return n;
    }

    @Override
    IOException over() {
      return wrap(
          Kind.DIGEST_MISMATCH,
          "the registry sent more than the " + size + " bytes its manifest names",
          null);
    }

    @Override
    IOException under() {
      return wrap(
          Kind.DIGEST_MISMATCH,
          "the registry sent " + count + " bytes, not the " + size + " its manifest names",
          null);
    }

    @Override
    IOException failed(IOException e) {
      return wrap(
          Kind.UNREACHABLE,
          "the connection failed after " + count + " of " + size + " bytes (" + e + ")",
          e);
    }

    private IOException wrap(Kind kind, String problem, IOException cause) {
      String subject = "blob " + blob.digest();
      RegistryException failure =
          new RegistryException(
              kind,
              ref,
              subject,
              problem,
              RegistryErrors.remedy(kind, ref, subject, settings),
              cause);
      return new IOException(failure.getMessage(), failure);
    }
  }

  /**
   * A local blob read to push it, which must hold exactly its descriptor's size. Its failures,
   * local ones, are remembered in {@code failure}: the HTTP client reports them only as a failed
   * request.
   */
  static final class Upload extends Sized {
    private final Descriptor blob;
    private final AtomicReference<IOException> failure;

    Upload(InputStream source, Descriptor blob, AtomicReference<IOException> failure) {
      super(source, blob.size());
      this.blob = blob;
      this.failure = failure;
    }

    @Override
    IOException over() {
      return remember(
          new IOException(
              "the source of blob " + blob.digest() + " holds more than its " + size + " bytes"));
    }

    @Override
    IOException under() {
      return remember(
          new IOException(
              "the source of blob "
                  + blob.digest()
                  + " holds "
                  + count
                  + " bytes, not its "
                  + size));
    }

    @Override
    IOException failed(IOException e) {
      return remember(e);
    }

    private IOException remember(IOException e) {
      failure.compareAndSet(null, e);
      return e;
    }
  }
}
