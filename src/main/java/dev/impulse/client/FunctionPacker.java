package dev.impulse.client;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Packs a function's directory into the tar.gz the daemon takes, its contents at the top.
 *
 * <p>Only regular files, directories and symbolic links that lead, followed all the way, to
 * something inside the directory; a link is written as the relative path to what it leads to. A
 * link leading outside or nowhere, a device, FIFO or socket is refused with its path. The archive
 * is bounded as the daemon bounds it: at most {@code maxArchiveBytes} (its {@code
 * --max-function-bytes}), file contents of at most {@value #UNPACKED_FACTOR} times that, at most
 * {@value #MAX_ENTRIES} entries; packing stops at the first bound passed.
 *
 * <p>The same files always give the same bytes (names sorted, times, owners and modes fixed: 0755
 * for directories and executables, 0644 for other files), so uploading an unchanged directory again
 * finds its version already stored. One instance packs one directory, on one thread.
 */
public final class FunctionPacker {
  public static final int MAX_ENTRIES = 100_000;
  public static final int UNPACKED_FACTOR = 8;

  /** Every entry's time: the same files, the same archive. */
  static final FileTime TIME = FileTime.from(Instant.parse("1980-01-01T00:00:00Z"));

  /** What was packed: entries, bytes of file content, bytes of archive. */
  public record Packed(int entries, long fileBytes, long archiveBytes) {}

  private final Path root;
  private final Path shown;
  private final long maxArchiveBytes;
  private int entries;
  private long fileBytes;

  private FunctionPacker(Path root, Path shown, long maxArchiveBytes) {
    this.root = root;
    this.shown = shown;
    this.maxArchiveBytes = maxArchiveBytes;
  }

  /**
   * Writes the archive of {@code dir} to {@code out} (left open). Throws {@link
   * FunctionDirException} naming what cannot be packed; {@code out} then holds part of an archive.
   */
  public static Packed pack(Path dir, OutputStream out, long maxArchiveBytes) {
    if (maxArchiveBytes <= 0) {
      throw new IllegalArgumentException("the archive's bound must be positive");
    }
    Path root;
    try {
      root = dir.toRealPath();
    } catch (IOException e) {
      throw new FunctionDirException("cannot read " + dir + ": " + reason(e), e);
    }
    if (!Files.isDirectory(root)) {
      throw new FunctionDirException(dir + " is not a directory");
    }
    return new FunctionPacker(root, dir, maxArchiveBytes).packTo(out);
  }

  private Packed packTo(OutputStream out) {
    Bounded bounded = new Bounded(out);
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(new GZIPOutputStream(bounded, 64 * 1024))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      addChildren(tar, root, "");
      if (entries == 0) {
        throw new FunctionDirException(
            shown
                + " is empty: a function needs at least its entry (main.py, index.js, a jar or skyhook)");
      }
      tar.finish();
    } catch (IOException e) {
      throw new FunctionDirException("cannot pack " + shown + ": " + reason(e), e);
    }
    return new Packed(entries, fileBytes, bounded.written);
  }

  private void addChildren(TarArchiveOutputStream tar, Path dir, String prefix) throws IOException {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir)) {
      listing.forEach(children::add);
    } catch (IOException e) {
      throw refuse(prefix.isEmpty() ? "." : prefix, "cannot be read (" + reason(e) + ")", e);
    }
    children.sort(Comparator.comparing(p -> p.getFileName().toString()));
    for (Path child : children) {
      String name = prefix + child.getFileName();
      PosixFileAttributes attributes =
          Files.readAttributes(child, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (++entries > MAX_ENTRIES) {
        throw new FunctionDirException(
            shown + " holds more than " + MAX_ENTRIES + " files and directories");
      }
      if (attributes.isSymbolicLink()) {
        addLink(tar, child, name);
      } else if (attributes.isDirectory()) {
        put(tar, entry(name + "/", TarConstants.LF_DIR, 040755), null, 0);
        addChildren(tar, child, name + "/");
      } else if (attributes.isRegularFile()) {
        boolean executable = attributes.permissions().contains(PosixFilePermission.OWNER_EXECUTE);
        addFile(tar, child, name, attributes.size(), executable ? 0100755 : 0100644);
      } else {
        throw refuse(name, "is not a regular file, directory or symbolic link");
      }
    }
  }

  private void addFile(TarArchiveOutputStream tar, Path file, String name, long size, int mode)
      throws IOException {
    fileBytes += size;
    long maxFileBytes = UNPACKED_FACTOR * maxArchiveBytes;
    if (fileBytes > maxFileBytes) {
      throw new FunctionDirException(
          shown
              + " holds more than "
              + maxFileBytes
              + " bytes of files (at "
              + name
              + "), more than the daemon unpacks ("
              + UNPACKED_FACTOR
              + " times its --max-function-bytes); leave out what the function does not need");
    }
    TarArchiveEntry entry = entry(name, TarConstants.LF_NORMAL, mode);
    entry.setSize(size);
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      put(tar, entry, in, size);
    } catch (AccessDeniedException e) {
      throw refuse(name, "cannot be read (permission denied)", e);
    }
  }

  private void addLink(TarArchiveOutputStream tar, Path link, String name) throws IOException {
    Path target;
    try {
      target = link.toRealPath();
    } catch (NoSuchFileException e) {
      throw refuse(name, "is a symbolic link to nothing (" + Files.readSymbolicLink(link) + ")", e);
    } catch (FileSystemException e) {
      throw refuse(name, "is a symbolic link that does not resolve (" + reason(e) + ")", e);
    }
    if (!target.startsWith(root)) {
      throw refuse(
          name,
          "is a symbolic link leading outside "
              + shown
              + " (to "
              + target
              + "); copy what it points to into the directory instead");
    }
    String text = link.getParent().relativize(target).toString();
    TarArchiveEntry entry = entry(name, TarConstants.LF_SYMLINK, 0120777);
    entry.setLinkName(text.isEmpty() ? "." : text);
    put(tar, entry, null, 0);
  }

  private static TarArchiveEntry entry(String name, byte type, int mode) {
    TarArchiveEntry entry = new TarArchiveEntry(name, type, true);
    entry.setMode(mode);
    entry.setModTime(TIME);
    entry.setIds(0, 0);
    entry.setNames("", "");
    return entry;
  }

  /**
   * Writes the entry and the first {@code size} bytes of {@code in} (a file may grow meanwhile).
   */
  private static void put(
      TarArchiveOutputStream tar, TarArchiveEntry entry, InputStream in, long size)
      throws IOException {
    tar.putArchiveEntry(entry);
    if (in != null) {
      byte[] buffer = new byte[64 * 1024];
      long left = size;
      int n;
      while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
        tar.write(buffer, 0, n);
        left -= n;
      }
      if (left > 0) {
        throw new FunctionDirException(
            entry.getName() + " shrank while it was packed; pack it again once it is written");
      }
    }
    tar.closeArchiveEntry();
  }

  private FunctionDirException refuse(String name, String why) {
    return new FunctionDirException("'" + name + "' in " + shown + " " + why);
  }

  private FunctionDirException refuse(String name, String why, Throwable cause) {
    return new FunctionDirException("'" + name + "' in " + shown + " " + why, cause);
  }

  private static String reason(IOException e) {
    if (e instanceof FileSystemException fs && fs.getReason() != null) {
      return fs.getReason();
    }
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    return String.valueOf(e.getMessage());
  }

  /** Counts what reaches the caller's stream, refuses more than the bound, leaves it open. */
  private final class Bounded extends FilterOutputStream {
    private long written;

    Bounded(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (written + len > maxArchiveBytes) {
        throw new FunctionDirException(
            shown
                + " packs to more than "
                + maxArchiveBytes
                + " bytes, the most the daemon takes (its --max-function-bytes); leave out what"
                + " the function does not need (virtual environments, caches, .git)");
      }
      out.write(b, off, len);
      written += len;
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
