package dev.impulse.oci.build;

import dev.impulse.linux.LinuxException;
import dev.impulse.linux.RootedDir;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes one host directory tree as tar entries, in a fixed order: each directory's names sorted, a
 * directory before what it holds. What each entry keeps, and why, is in {@link LayerWriter}'s
 * javadoc.
 *
 * <p>Metadata is read with {@code lstat} ({@link LinkOption#NOFOLLOW_LINKS}), so no symbolic link
 * is ever followed; file content is opened through a {@link RootedDir}, so even a directory swapped
 * for a link while the tree is read cannot make it read a file outside the tree. A file whose size
 * changes while it is read fails the layer: its header, which holds the size, is written already.
 *
 * <p>Not thread-safe: one tree, one thread.
 */
final class TreeTar {
  private static final int S_IFMT = 0170000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFREG = 0100000;
  private static final int S_IFLNK = 0120000;
  private static final int MODE_BITS = 07777;
  private static final String ATTRIBUTES =
      "unix:mode,ino,dev,rdev,nlink,uid,gid,size,lastModifiedTime";
  private static final int S_IFCHR = 0020000;
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";
  private static final String OPAQUE_XATTR = "trusted.overlay.opaque";
  private static final FileTime EPOCH = FileTime.from(Instant.EPOCH);

  private final Path tree;
  private final RootedDir root;
  private final LayerOptions options;
  private final TarArchiveOutputStream tar;
  private final Map<FileKey, String> firstNames = new HashMap<>();
  private final byte[] buffer = new byte[64 * 1024];
  private int entries;
  private int skipped;
  private long contentBytes;

  /** The inode of a file with more than one name. */
  private record FileKey(long dev, long ino) {}

  /** What was written: entries, skipped sockets, FIFOs and devices, and file content bytes. */
  record Counts(int entries, int skipped, long contentBytes) {}

  TreeTar(Path tree, RootedDir root, LayerOptions options, TarArchiveOutputStream tar) {
    this.tree = tree;
    this.root = root;
    this.options = options;
    this.tar = tar;
  }

  /** Writes the prefix's directories, then the tree's entries; does not finish the tar. */
  Counts write() throws IOException {
    for (String dir : options.prefixDirectories()) {
      TarArchiveEntry entry = new TarArchiveEntry(dir + "/", TarConstants.LF_DIR);
      put(entry, 0755, 0, 0, EPOCH);
    }
    children(".");
    return new Counts(entries, skipped, contentBytes);
  }

  private void children(String dir) throws IOException {
    for (String name : names(dir)) {
      String path = dir.equals(".") ? name : dir + "/" + name;
      if (!options.excludes(path)) {
        entry(path);
      }
    }
  }

  private void entry(String path) throws IOException {
    Path file = tree.resolve(path);
    Map<String, Object> stat = Files.readAttributes(file, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) stat.get("mode");
    switch (mode & S_IFMT) {
      case S_IFDIR -> {
        put(new TarArchiveEntry(layerName(path) + "/", TarConstants.LF_DIR), stat);
        if (options.overlayWhiteouts() && isOpaque(path)) {
          marker(path + "/" + OPAQUE, stat); // before the directory's own entries, as OCI wants
        }
        if (!options.empties(path)) {
          children(path);
        }
      }

      case S_IFREG -> regularFile(path, stat);
      case S_IFLNK -> {
        TarArchiveEntry entry = new TarArchiveEntry(layerName(path), TarConstants.LF_SYMLINK);
        entry.setLinkName(checkedName(Files.readSymbolicLink(file).toString(), path));
        put(entry, stat);
      }
      default -> {
        if (options.overlayWhiteouts()
            && (mode & S_IFMT) == S_IFCHR
            && ((Long) stat.get("rdev")) == 0L) {
          int slash = path.lastIndexOf('/');
          marker(path.substring(0, slash + 1) + WHITEOUT + path.substring(slash + 1), stat);
        } else {
          skipped++; // a socket, FIFO or device: nothing an image can carry
        }
      }
    }
  }

  /** Whether overlayfs takes the directory {@code path} as opaque (it hides lower layers). */
  private boolean isOpaque(String path) {
    return root.xattr(path, OPAQUE_XATTR)
        .map(value -> new String(value, java.nio.charset.StandardCharsets.US_ASCII).equals("y"))
        .orElse(false);
  }

  /** An empty file that stands for a whiteout or an opaque directory in an OCI layer. */
  private void marker(String path, Map<String, Object> stat) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(layerName(path), TarConstants.LF_NORMAL);
    entry.setSize(0);
    header(entry, stat);
    tar.closeArchiveEntry();
  }

  private void regularFile(String path, Map<String, Object> stat) throws IOException {
    String name = layerName(path);
    if ((Integer) stat.get("nlink") > 1) {
      FileKey key = new FileKey((Long) stat.get("dev"), (Long) stat.get("ino"));
      String first = firstNames.putIfAbsent(key, name);
      if (first != null) {
        TarArchiveEntry link = new TarArchiveEntry(name, TarConstants.LF_LINK);
        link.setLinkName(first);
        put(link, stat);
        return;
      }
    }
    long size = (Long) stat.get("size");
    TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
    entry.setSize(size);
    header(entry, stat);
    try (InputStream in = root.openFile(path)) {
      copy(in, size, path);
    } catch (LinuxException e) {
      throw new IOException(
          "cannot read '" + path + "' of " + tree + ": " + e.getMessage(), e); // EXDEV: a mount
    }
    tar.closeArchiveEntry();
    contentBytes += size;
  }

  /** Copies exactly {@code size} bytes: the header holding the size is written already. */
  private void copy(InputStream in, long size, String path) throws IOException {
    long left = size;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw changed(path, "shrank to " + (size - left) + " bytes from " + size);
      }
      tar.write(buffer, 0, n);
      left -= n;
    }
    if (in.read() >= 0) {
      throw changed(path, "grew past the " + size + " bytes it had");
    }
  }

  private IOException changed(String path, String how) {
    return new IOException(
        "'"
            + path
            + "' of "
            + tree
            + " "
            + how
            + " while it was written into a layer; write layers of trees nothing changes");
  }

  /** Writes {@code entry}, which has no content, with the attributes {@code stat} holds. */
  private void put(TarArchiveEntry entry, Map<String, Object> stat) throws IOException {
    header(entry, stat);
    tar.closeArchiveEntry();
  }

  /** Writes {@code entry}, which has no content. */
  private void put(TarArchiveEntry entry, int mode, int uid, int gid, FileTime time)
      throws IOException {
    header(entry, mode, uid, gid, time);
    tar.closeArchiveEntry();
  }

  private void header(TarArchiveEntry entry, Map<String, Object> stat) throws IOException {
    header(
        entry,
        (Integer) stat.get("mode") & MODE_BITS,
        (Integer) stat.get("uid"),
        (Integer) stat.get("gid"),
        (FileTime) stat.get("lastModifiedTime"));
  }

  /**
   * Writes {@code entry}'s header with numeric owners only and the time in whole seconds: a
   * fraction would add a PAX header to nearly every entry, while Python's {@code .pyc} check and
   * every tool compare whole seconds.
   */
  private void header(TarArchiveEntry entry, int mode, int uid, int gid, FileTime time)
      throws IOException {
    entry.setMode(mode);
    entry.setUserId(uid);
    entry.setGroupId(gid);
    entry.setUserName("");
    entry.setGroupName("");
    entry.setLastModifiedTime(FileTime.from(time.toInstant().getEpochSecond(), TimeUnit.SECONDS));
    tar.putArchiveEntry(entry);
    entries++;
  }

  private List<String> names(String dir) throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(tree.resolve(dir))) {
      for (Path child : listing) {
        String name = child.getFileName().toString();
        names.add(checkedName(name, dir.equals(".") ? name : dir + "/" + name));
      }
    }
    names.sort(null);
    return names;
  }

  /** {@code text}, unless the JVM could not decode it: then the file could not be named in tar. */
  private String checkedName(String text, String path) throws IOException {
    if (text.indexOf('\uFFFD') >= 0) {
      throw new IOException(
          "the name (or link target) of '"
              + path
              + "' in "
              + tree
              + " is not valid in this JVM's file name encoding ("
              + System.getProperty("sun.jnu.encoding")
              + "): rename it to UTF-8, or run impulse with LANG=C.UTF-8");
    }
    return text;
  }

  private String layerName(String path) {
    return options.prefix().isEmpty() ? path : options.prefix() + "/" + path;
  }
}
