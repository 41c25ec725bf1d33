package dev.impulse.image;

import dev.impulse.linux.LinuxException;
import dev.impulse.linux.RootedDir;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Unpacks a function's tar or tar.gz archive into a directory, refusing anything that could escape
 * it or surprise the runtime: absolute names, {@code ..} components, entries reached through a
 * symbolic link, hard links to anything but an earlier regular file, symbolic links that lead
 * outside or nowhere, device files and FIFOs, and archives that unpack to more than a size or entry
 * limit (compression bombs). Modes are normalised to 0644/0755 for files (0755 when any execute bit
 * is set) and 0755 for directories; owners are not restored.
 *
 * <p>Entries are made by an {@link ArchiveTree}, through a {@link RootedDir}: the kernel keeps
 * every operation inside and away from symbolic links. Once the tree is complete, {@link LinkCheck}
 * has the kernel follow each symbolic link, and refuses any that leads out or nowhere. One instance
 * unpacks one archive, on one thread.
 */
final class FunctionArchive {
  static final int MAX_ENTRIES = 100_000;

  /** The largest GNU long name or link, or PAX header, read: commons-compress holds each whole. */
  static final int MAX_HEADER_BYTES = 64 * 1024;

  /** The most header entries (long names, PAX headers) in a row: a tar has at most 4. */
  static final int MAX_HEADERS_IN_A_ROW = 16;

  private static final int FILE_MODE = 0644;
  private static final int EXEC_MODE = 0755;

  private final RootedDir root;
  private final ArchiveTree tree;
  private final long maxBytes;

  private long written;
  private int entries;

  private FunctionArchive(RootedDir root, long maxBytes) {
    this.root = root;
    this.tree = new ArchiveTree(root);
    this.maxBytes = maxBytes;
  }

  /**
   * Unpacks {@code archive} (tar, or tar compressed with gzip) into the existing empty directory
   * {@code root}, writing at most {@code maxBytes} of file content. Throws {@link
   * InvalidArchiveException} naming the entry refused; a {@link LinuxException} that is not about
   * the archive (a full disk) is thrown as it is.
   */
  static void extract(InputStream archive, Path root, long maxBytes) throws IOException {
    try (RootedDir dir = RootedDir.open(root)) {
      new FunctionArchive(dir, maxBytes).extractAll(archive);
    }
  }

  private void extractAll(InputStream raw) throws IOException {
    InputStream in = new BufferedInputStream(raw);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    if (b1 == -1) {
      throw new InvalidArchiveException(
          "the archive is empty: send a tar or tar.gz of the function's directory");
    }
    boolean any = false;
    try (TarArchiveInputStream tar =
        new BoundedTarInputStream(
            b1 == 0x1f && b2 == 0x8b ? new GzipCompressorInputStream(in, true) : in)) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        any = true;
        if (++entries > MAX_ENTRIES) {
          throw new InvalidArchiveException(
              "the archive has more than " + MAX_ENTRIES + " entries");
        }
        extractEntry(tar, entry);
      }
    } catch (InvalidArchiveException e) {
      throw e;
    } catch (IOException | IllegalArgumentException e) {
      // only reading throws these: writing goes through RootedDir, which throws LinuxException
      throw new InvalidArchiveException(
          "the archive is not a valid tar or tar.gz (" + e.getMessage() + ")", e);
    }
    if (!any) {
      throw new InvalidArchiveException(
          "the archive holds no entries: send a tar or tar.gz of the function's directory");
    }
    new LinkCheck(root, "").requireAllInside();
  }

  private void extractEntry(TarArchiveInputStream tar, TarArchiveEntry entry) throws IOException {
    List<String> parts = components(entry.getName(), entry.getName(), false);
    if (parts.isEmpty()) {
      return; // "./": the root itself
    }
    String path = String.join("/", parts);
    try {
      if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
        throw refuse(
            entry, "is a device file or FIFO; only files, directories and links are allowed");
      }
      if (!entry.isDirectory()
          && !entry.isSymbolicLink()
          && !entry.isLink()
          && !isRegularFile(entry)) {
        throw refuse(entry, "has an entry type impulse does not accept");
      }
      tree.ensureParents(entry, parts);
      if (entry.isDirectory()) {
        tree.directory(entry, path);
      } else if (entry.isSymbolicLink()) {
        tree.symlink(entry, parts);
      } else if (entry.isLink()) {
        tree.hardLink(entry, path);
      } else {
        int mode = (entry.getMode() & 0111) != 0 ? EXEC_MODE : FILE_MODE;
        try (OutputStream out = tree.file(entry, path, mode)) {
          copyLimited(tar, out, entry);
        }
      }
    } catch (LinuxException e) {
      if (!e.isPathRefused()) {
        throw e; // not the archive's doing: a full disk, an I/O error
      }
      throw refuse(entry, "could not be unpacked: " + e.getMessage(), e);
    }
  }

  private static boolean isRegularFile(TarArchiveEntry entry) {
    byte flag = entry.getLinkFlag();
    return flag == TarConstants.LF_NORMAL
        || flag == TarConstants.LF_OLDNORM
        || flag == TarConstants.LF_CONTIG;
  }

  private void copyLimited(InputStream in, OutputStream out, TarArchiveEntry entry)
      throws IOException {
    byte[] buffer = new byte[64 * 1024];
    int n;
    while ((n = in.read(buffer)) > 0) {
      written += n;
      if (written > maxBytes) {
        throw new InvalidArchiveException(
            "the archive unpacks to more than " + maxBytes + " bytes (at " + entry.getName() + ")");
      }
      out.write(buffer, 0, n);
    }
  }

  /**
   * The components of {@code name} (the entry's own name, or its link target when {@code isTarget})
   * without "." and empty ones; refuses absolute names, ".." and NUL, naming the entry.
   */
  static List<String> components(String entryName, String name, boolean isTarget) {
    String subject =
        "archive entry '"
            + entryName
            + "' is refused: "
            + (isTarget ? "its link target '" + name + "'" : "it");
    if (name.startsWith("/")) {
      throw new InvalidArchiveException(
          subject + (isTarget ? " is an absolute path" : " has an absolute path"));
    }
    List<String> parts = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.equals("..")) {
        throw new InvalidArchiveException(subject + " contains '..'");
      }
      if (part.indexOf('\0') >= 0) {
        throw new InvalidArchiveException(subject + " contains NUL");
      }
      if (!part.isEmpty() && !part.equals(".")) {
        parts.add(part);
      }
    }
    return parts;
  }

  static InvalidArchiveException refuse(TarArchiveEntry entry, String why) {
    return new InvalidArchiveException(
        "archive entry '" + entry.getName() + "' is refused: it " + why);
  }

  private static InvalidArchiveException refuse(
      TarArchiveEntry entry, String why, Throwable cause) {
    return new InvalidArchiveException(
        "archive entry '" + entry.getName() + "' is refused: it " + why, cause);
  }

  /**
   * A tar reader that refuses a GNU long name or link ({@code L}, {@code K}) or a PAX header
   * ({@code x}, {@code g}) over {@link #MAX_HEADER_BYTES} before reading a byte of it:
   * commons-compress (1.28 has no option to bound them) reads each such entry whole into memory
   * while it looks for the next entry, so a small tar.gz declaring one of 300 MB would exhaust the
   * heap. The check sits where commons-compress reads those entries' content, through {@link
   * #read}, so it sees exactly the entries it takes for headers, whatever the archive's layout.
   */
  private static final class BoundedTarInputStream extends TarArchiveInputStream {
    /** How deep the calls of {@link #getNextEntry} are: commons-compress nests one per header. */
    private int depth;

    BoundedTarInputStream(InputStream in) {
      super(in);
    }

    /**
     * Refuses a chain of header entries: commons-compress reads the entry after each header in a
     * nested call, so 100,000 of them in a row (100 KB of tar.gz) overflow the thread's stack.
     */
    @Override
    public TarArchiveEntry getNextEntry() throws IOException {
      if (depth > MAX_HEADERS_IN_A_ROW) {
        throw new InvalidArchiveException(
            "the archive has more than "
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
      // what it reads is bounded by the real size (global PAX headers can make a header "sparse")
      long size = entry == null ? 0 : Math.max(entry.getSize(), entry.getRealSize());
      if (size > MAX_HEADER_BYTES && isReadWhole(entry)) {
        throw new InvalidArchiveException(
            "an archive header of type '"
                + (char) entry.getLinkFlag()
                + "' (a long name or PAX header) is over "
                + MAX_HEADER_BYTES / 1024
                + " KiB ("
                + size
                + " bytes)");
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
}
