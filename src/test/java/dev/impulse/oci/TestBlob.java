package dev.impulse.oci;

import dev.impulse.testing.Tars;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

/** A layer blob for tests: its bytes, media type and (true) digest. */
record TestBlob(byte[] bytes, LayerMediaType type) {
  static TestBlob gzipped(Tars tar) {
    return new TestBlob(gzip(tar.bytes()), LayerMediaType.OCI_TAR_GZIP);
  }

  static TestBlob plain(Tars tar) {
    return new TestBlob(tar.bytes(), LayerMediaType.OCI_TAR);
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

  static Digest digestOf(byte[] data) {
    var sha256 = Digest.sha256();
    sha256.update(data);
    return Digest.of(sha256);
  }

  Digest digest() {
    return digestOf(bytes);
  }

  BlobSource source() {
    return () -> new ByteArrayInputStream(bytes);
  }

  StoredLayer ensureIn(LayerStore store) throws IOException {
    return store.ensure(digest(), type, source());
  }
}
