package dev.impulse.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Unpacks a function's tar or tar.gz archive into a directory, refusing anything that could escape
 * it or surprise the runtime: absolute names, {@code ..} components, entries reached through a
 * symbolic link, links pointing outside, device files and FIFOs, and archives that unpack to more
 * than a size or entry limit (compression bombs). Modes are normalised to 0644/0755 for files (0755
 * when any execute bit is set) and 0755 for directories; owners are not restored.
 */
final class FunctionArchive {
  private static final Set<PosixFilePermission> FILE_MODE =
      PosixFilePermissions.fromString("rw-r--r--");
  private static final Set<PosixFilePermission> EXEC_MODE =
      PosixFilePermissions.fromString("rwxr-xr-x");
  static final int MAX_ENTRIES = 100_000;

  private final Path root;
  private final long maxBytes;
  private long written;
  private int entries;

  private FunctionArchive(Path root, long maxBytes) {
    this.root = root;
    this.maxBytes = maxBytes;
  }

  /**
   * Unpacks {@code archive} (tar, or tar compressed with gzip) into the existing empty directory
   * {@code root}, writing at most {@code maxBytes} of file content.
   */
  static void extract(InputStream archive, Path root, long maxBytes) throws IOException {
    new FunctionArchive(root, maxBytes).extractAll(archive);
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
        new TarArchiveInputStream(
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
      throw new InvalidArchiveException(
          "the archive is not a valid tar or tar.gz (" + e.getMessage() + ")", e);
    }
    if (!any) {
      throw new InvalidArchiveException(
          "the archive holds no entries: send a tar or tar.gz of the function's directory");
    }
    checkLinksStayInside();
  }

  /**
   * Each link was checked by its text as it arrived, but links can lead through other links; now
   * that the tree is complete, every link must resolve, for real, to something inside the root.
   */
  private void checkLinksStayInside() throws IOException {
    Path realRoot = root.toRealPath();
    List<Path> links;
    try (var walk = Files.walk(root)) {
      links = walk.filter(Files::isSymbolicLink).toList();
    }
    for (Path link : links) {
      String name = root.relativize(link).toString();
      Path real;
      try {
        real = link.toRealPath();
      } catch (IOException e) {
        throw new InvalidArchiveException(
            "archive entry '"
                + name
                + "' is refused: it is a symbolic link to nothing ("
                + Files.readSymbolicLink(link)
                + ")");
      }
      if (!real.startsWith(realRoot)) {
        throw new InvalidArchiveException(
            "archive entry '"
                + name
                + "' is refused: it is a symbolic link leaving the function's directory");
      }
    }
  }

  private void extractEntry(TarArchiveInputStream tar, TarArchiveEntry entry) throws IOException {
    List<String> parts = components(entry.getName());
    if (parts.isEmpty()) {
      return; // "./": the root itself
    }
    Path target = root.resolve(String.join("/", parts));
    if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
      throw refuse(
          entry, "is a device file or FIFO; only files, directories and links are allowed");
    }
    ensureParents(parts, entry.getName());
    if (entry.isDirectory()) {
      if (Files.isSymbolicLink(target)) {
        throw refuse(entry, "replaces a symbolic link with a directory");
      }
      Files.createDirectories(target);
      Files.setPosixFilePermissions(target, EXEC_MODE);
    } else if (entry.isSymbolicLink()) {
      String link = entry.getLinkName();
      if (link.isEmpty() || link.startsWith("/")) {
        throw refuse(entry, "is a symbolic link to an absolute path (" + link + ")");
      }
      Path resolved = target.getParent().resolve(link).normalize();
      if (!resolved.startsWith(root)) {
        throw refuse(entry, "is a symbolic link leaving the function's directory (" + link + ")");
      }
      Files.deleteIfExists(target);
      Files.createSymbolicLink(target, Path.of(link));
    } else if (entry.isLink()) {
      List<String> linkParts = components(entry.getLinkName());
      Path source = root.resolve(String.join("/", linkParts));
      if (linkParts.isEmpty() || !Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
        throw refuse(
            entry,
            "is a hard link to " + entry.getLinkName() + ", not an earlier file of the archive");
      }
      Files.deleteIfExists(target);
      Files.createLink(target, source);
    } else if (isRegularFile(entry)) {
      Files.deleteIfExists(target);
      try (OutputStream out =
          Files.newOutputStream(
              target,
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE,
              LinkOption.NOFOLLOW_LINKS)) {
        copyLimited(tar, out, entry);
      }
      Files.setPosixFilePermissions(target, (entry.getMode() & 0111) != 0 ? EXEC_MODE : FILE_MODE);
    } else if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
      throw refuse(
          entry, "is a device file or FIFO; only files, directories and links are allowed");
    } else {
      throw refuse(entry, "has an entry type impulse does not accept");
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

  /** Parent directories must be real directories inside the root: never links. */
  private void ensureParents(List<String> parts, String name) throws IOException {
    Path dir = root;
    for (int i = 0; i < parts.size() - 1; i++) {
      dir = dir.resolve(parts.get(i));
      if (Files.isSymbolicLink(dir)) {
        throw new InvalidArchiveException(
            "archive entry '"
                + name
                + "' is refused: it passes through the symbolic link "
                + root.relativize(dir));
      }
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, EXEC_MODE);
      }
    }
  }

  /** The name's components without "." and empty ones; refuses absolute names and "..". */
  static List<String> components(String name) {
    if (name.startsWith("/")) {
      throw new InvalidArchiveException(
          "archive entry '" + name + "' is refused: it has an absolute path");
    }
    List<String> parts = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.equals("..")) {
        throw new InvalidArchiveException(
            "archive entry '" + name + "' is refused: it contains '..'");
      }
      if (!part.isEmpty() && !part.equals(".")) {
        if (part.indexOf('\0') >= 0) {
          throw new InvalidArchiveException(
              "archive entry '" + name + "' is refused: it contains NUL");
        }
        parts.add(part);
      }
    }
    return parts;
  }

  private static InvalidArchiveException refuse(TarArchiveEntry entry, String why) {
    return new InvalidArchiveException(
        "archive entry '" + entry.getName() + "' is refused: it " + why);
  }
}
