package dev.impulse.image;

import static dev.impulse.image.FunctionArchive.refuse;

import dev.impulse.linux.LinuxException;
import dev.impulse.linux.RootedDir;
import dev.impulse.linux.RootedDir.FileStat;
import dev.impulse.linux.RootedDir.FileType;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * The directory an archive unpacks into, grown one entry at a time through a {@link RootedDir}, so
 * the kernel, not a check made before, keeps every operation inside and away from any symbolic
 * link. The checks here are there to refuse with a message naming the entry: parents must be real
 * directories (never links); an existing file or link at an entry's name is removed before the
 * entry is made, and a file is created with O_EXCL, so nothing is ever written through what was
 * there; an existing directory is never replaced; a hard link names an earlier regular file. Not
 * thread-safe: one archive, one thread.
 */
final class ArchiveTree {
  private static final int DIR_MODE = 0755;

  private final RootedDir root;

  /** Directories this archive made or found: they are never replaced, so stay directories. */
  private final Set<String> knownDirs = new HashSet<>();

  ArchiveTree(RootedDir root) {
    this.root = root;
  }

  /** Parent directories must be real directories inside the root: never links. */
  void ensureParents(TarArchiveEntry entry, List<String> parts) {
    for (int i = 1; i < parts.size(); i++) {
      String dir = String.join("/", parts.subList(0, i));
      if (knownDirs.contains(dir)) {
        continue;
      }
      Optional<FileType> type = type(dir);
      if (type.isEmpty()) {
        root.makeDirectory(dir, DIR_MODE);
      } else if (type.get() == FileType.SYMLINK) {
        throw refuse(entry, "passes through the symbolic link " + dir);
      } else if (type.get() != FileType.DIRECTORY) {
        throw refuse(entry, "needs " + dir + " to be a directory, but an earlier entry is a file");
      }
      knownDirs.add(dir);
    }
  }

  /** Creates the file entry {@code path} with {@code mode}, replacing a file or link there. */
  OutputStream file(TarArchiveEntry entry, String path, int mode) {
    clear(entry, path, "a file");
    return root.createFile(path, mode);
  }

  /** Creates the symbolic link entry {@code parts}, replacing a file or link there. */
  void symlink(TarArchiveEntry entry, List<String> parts) {
    checkSymlinkText(entry, parts);
    String path = String.join("/", parts);
    clear(entry, path, "a symbolic link");
    root.symlink(path, entry.getLinkName());
  }

  /**
   * A link's text must stay inside: not absolute, and its {@code ..} never climbing above the root
   * from where the link is. Links that look inside but lead out through other links are caught by
   * the kernel, in {@link LinkCheck}.
   */
  private static void checkSymlinkText(TarArchiveEntry entry, List<String> parts) {
    String link = entry.getLinkName();
    if (link.isEmpty() || link.startsWith("/")) {
      throw refuse(entry, "is a symbolic link to an absolute path (" + link + ")");
    }
    if (link.indexOf('\0') >= 0) {
      throw refuse(entry, "is a symbolic link whose target contains NUL");
    }
    Deque<String> at = new ArrayDeque<>(parts.subList(0, parts.size() - 1));
    for (String part : link.split("/")) {
      if (part.equals("..")) {
        if (at.pollLast() == null) {
          throw refuse(entry, "is a symbolic link leaving the function's directory (" + link + ")");
        }
      } else if (!part.isEmpty() && !part.equals(".")) {
        at.addLast(part);
      }
    }
  }

  /** Makes the directory entry {@code path}; an existing directory is kept, a file replaced. */
  void directory(TarArchiveEntry entry, String path) {
    Optional<FileType> existing = type(path);
    if (existing.equals(Optional.of(FileType.SYMLINK))) {
      throw refuse(entry, "replaces a symbolic link with a directory");
    }
    if (existing.isPresent() && existing.get() != FileType.DIRECTORY) {
      root.delete(path);
    }
    root.makeDirectory(path, DIR_MODE);
    knownDirs.add(path);
  }

  /**
   * A hard link's source is resolved inside the root without following any link, and must be an
   * earlier regular file: linking a symbolic link would copy a way out, linking a directory is not
   * possible, and linking what a link leads to is what let an archive reach the host's files.
   */
  void hardLink(TarArchiveEntry entry, String path) {
    String linkName = entry.getLinkName();
    List<String> sourceParts = FunctionArchive.components(entry.getName(), linkName, true);
    if (sourceParts.isEmpty()) {
      throw refuse(entry, "is a hard link to the function's directory itself");
    }
    String source = String.join("/", sourceParts);
    if (source.equals(path)) {
      throw refuse(entry, "is a hard link to itself");
    }
    Optional<FileType> type;
    try {
      type = type(source);
    } catch (LinuxException e) {
      if (e.isLoop()) {
        throw refuse(
            entry,
            "is a hard link to "
                + linkName
                + " through the symbolic link "
                + firstSymlink(sourceParts).orElse("on its way")
                + "; hard links may only name an earlier regular file of the archive");
      }
      if (!e.isPathRefused()) {
        throw e;
      }
      type = Optional.empty();
    }
    if (type.isEmpty()) {
      throw refuse(entry, "is a hard link to " + linkName + ", not an earlier file of the archive");
    }
    if (type.get() != FileType.FILE) {
      throw refuse(
          entry,
          "is a hard link to "
              + linkName
              + ", which is "
              + switch (type.get()) {
                case SYMLINK -> "a symbolic link";
                case DIRECTORY -> "a directory";
                default -> "a device, FIFO or socket";
              }
              + "; hard links may only name an earlier regular file of the archive");
    }
    clear(entry, path, "a hard link");
    root.link(path, source);
  }

  /** The first component of {@code parts} (as a path) that is a symbolic link. */
  private Optional<String> firstSymlink(List<String> parts) {
    for (int i = 1; i < parts.size(); i++) {
      String prefix = String.join("/", parts.subList(0, i));
      Optional<FileType> type = type(prefix);
      if (type.equals(Optional.of(FileType.SYMLINK))) {
        return Optional.of(prefix);
      }
      if (type.isEmpty() || type.get() != FileType.DIRECTORY) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** Removes a file or link where an entry goes, so nothing is written through it. */
  private void clear(TarArchiveEntry entry, String path, String what) {
    Optional<FileType> existing = type(path);
    if (existing.equals(Optional.of(FileType.DIRECTORY))) {
      throw refuse(entry, "replaces a directory with " + what);
    }
    if (existing.isPresent()) {
      root.delete(path);
    }
  }

  private Optional<FileType> type(String path) {
    return root.stat(path).map(FileStat::type);
  }
}
