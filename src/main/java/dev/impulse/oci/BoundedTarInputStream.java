package dev.impulse.oci;

import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * A tar reader that refuses what commons-compress 1.28 would hold in memory without bound: a GNU
 * long name or link or a PAX header over {@link #MAX_HEADER_BYTES} (each is read whole while the
 * next entry is looked for, so a small tar.gz declaring one of 300 MB would exhaust the heap), and
 * more than {@link #MAX_HEADERS_IN_A_ROW} such headers in a row (each is read in a nested call, so
 * a long chain overflows the stack). The same guard as the function archives' reader in image,
 * which oci may not use: image is to stack oci's layers.
 */
final class BoundedTarInputStream extends TarArchiveInputStream {
  /** Layers carry extended attributes in PAX headers; one value is at most 64 KiB in Linux. */
  static final int MAX_HEADER_BYTES = 1 << 20;

  /** A tar has at most 4 header entries before an entry (long name, long link, PAX, global). */
  static final int MAX_HEADERS_IN_A_ROW = 16;

  private int depth;

  BoundedTarInputStream(InputStream in) {
    super(in);
  }

  @Override
  public TarArchiveEntry getNextEntry() throws IOException {
    if (depth > MAX_HEADERS_IN_A_ROW) {
      throw new InvalidLayerException(
          "its tar has more than "
              + MAX_HEADERS_IN_A_ROW
              + " header entries (long names, PAX headers) in a row");
    }
    depth++;
    try {
      return super.getNextEntry();
    } finally {
      depth--;
    }
  }

  @Override
  public int read(byte[] buf, int offset, int length) throws IOException {
    TarArchiveEntry entry = getCurrentEntry();
    // what is read is bounded by the real size (global PAX headers can make a header "sparse")
    long size = entry == null ? 0 : Math.max(entry.getSize(), entry.getRealSize());
    if (size > MAX_HEADER_BYTES && isReadWhole(entry)) {
      throw new InvalidLayerException(
          "its tar has a header of type '"
              + (char) entry.getLinkFlag()
              + "' (a long name or PAX header) of "
              + size
              + " bytes, over "
              + MAX_HEADER_BYTES);
    }
    return super.read(buf, offset, length);
  }

  private static boolean isReadWhole(TarArchiveEntry entry) {
    return entry.isGNULongNameEntry()
        || entry.isGNULongLinkEntry()
        || entry.isPaxHeader()
        || entry.isGlobalPaxHeader();
  }
}
