package dev.impulse.oci;

import dev.impulse.linux.LinuxException;
import dev.impulse.linux.RootedDir;
import dev.impulse.linux.RootedDir.FileStat;
import dev.impulse.linux.RootedDir.FileType;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The directory a layer unpacks into, grown one entry at a time through a {@link RootedDir}: the
 * kernel, not a check made before, keeps every operation inside and away from every symbolic link,
 * so no entry is ever written through one (a link may point anywhere: it is followed only inside a
 * chamber's root, at run time). The checks here are there to refuse with a message naming the
 * entry.
 *
 * <p>Tar's rule, later wins, holds as containerd and Docker apply it: an entry replaces whatever an
 * earlier one put at its name (a directory with all it holds), except that a directory over a
 * directory merges (the later one's mode and time win). What it replaces is unlinked first, and
 * files are created with O_EXCL, so nothing is written through what was there. One name in one
 * layer holds one thing, while the image spec says a whiteout hides only the layers below, never an
 * entry of its own layer; so a whiteout and an entry of the same name combine: an entry over this
 * layer's whiteout (or under it) takes its place, and a directory there is made opaque (what lies
 * below stays hidden); a whiteout over this layer's entry keeps the entry, and makes it opaque if
 * it is a directory.
 *
 * <p>Not thread-safe: one layer, one thread.
 */
final class LayerTree {
  static final String OPAQUE_XATTR = "trusted.overlay.opaque";
  private static final byte[] OPAQUE = {'y'};
  private static final int IMPLIED_DIRECTORY_MODE = 0755;

  private final RootedDir root;

  /** Directories made or found by this layer; sorted, so a removed subtree is one range. */
  private final NavigableSet<String> knownDirs = new TreeSet<>();

  /** The whiteouts this layer made: the only character devices that ever exist in it. */
  private final NavigableSet<String> whiteouts = new TreeSet<>();

  /** Directories' times, set last: making an entry in a directory changes its time. */
  private final NavigableMap<String, Instant> directoryTimes = new TreeMap<>();

  LayerTree(RootedDir root) {
    this.root = root;
  }

  static InvalidLayerException refuse(String entry, String why) {
    return new InvalidLayerException("entry '" + entry + "' " + why);
  }

  /**
   * Makes sure every directory above {@code path} is a directory: an implied one is made (0755), a
   * whiteout of this layer becomes an opaque directory; a symbolic link or a file is refused.
   */
  void ensureParents(String entry, EntryPath path) {
    List<String> dirs = new ArrayList<>();
    for (String dir = path.parent(); !dir.equals("."); dir = parentOf(dir)) {
      if (knownDirs.contains(dir)) {
        break; // and so are all above it
      }
      dirs.add(dir);
    }
    for (String dir : dirs.reversed()) {
      Optional<FileType> type = type(dir);
      if (type.isEmpty()) {
        root.makeDirectory(dir, IMPLIED_DIRECTORY_MODE);
      } else if (whiteouts.contains(dir)) {
        replaceWhiteoutWithDirectory(dir, IMPLIED_DIRECTORY_MODE);
      } else if (type.get() == FileType.SYMLINK) {
        throw refuse(
            entry,
            "would be written through the symbolic link '"
                + dir
                + "' of this layer; links may point anywhere, but nothing is unpacked through one");
      } else if (type.get() != FileType.DIRECTORY) {
        throw refuse(entry, "needs '" + dir + "' to be a directory, but this layer made it a file");
      }
      knownDirs.add(dir);
    }
  }

  /** Makes the directory {@code path} with {@code mode}, merging with a directory there. */
  void directory(EntryPath path, int mode, Instant time) {
    String name = path.path();
    Optional<FileType> type = type(name);
    if (whiteouts.contains(name)) {
      replaceWhiteoutWithDirectory(name, mode);
    } else {
      if (type.isPresent() && type.get() != FileType.DIRECTORY) {
        root.delete(name);
      }
      root.makeDirectory(name, mode);
    }
    knownDirs.add(name);
    directoryTimes.put(name, time);
  }

  /** Creates the regular file {@code path}, replacing whatever is there; the caller closes it. */
  OutputStream file(EntryPath path, int mode) {
    replace(path.path());
    return root.createFile(path.path(), mode);
  }

  /** Creates the symbolic link {@code path} holding {@code target}, replacing what is there. */
  void symlink(String entry, EntryPath path, String target, Instant time) {
    if (target.isEmpty()) {
      throw refuse(entry, "is a symbolic link to nothing (an empty target)");
    }
    if (target.indexOf('\0') >= 0) {
      throw refuse(entry, "is a symbolic link whose target contains NUL");
    }
    replace(path.path());
    root.symlink(path.path(), target);
    root.setModifiedTime(path.path(), time);
  }

  /**
   * Creates {@code path} as a hard link to {@code source}, an earlier regular file or symbolic link
   * of this layer, reached without following any link (a layer's hard links name files of the same
   * layer only: a lower layer's files are not in this directory).
   */
  void hardLink(String entry, EntryPath path, EntryPath source) {
    if (source.isRoot() || source.path().equals(path.path())) {
      throw refuse(entry, "is a hard link to itself or to the layer's root");
    }
    Optional<FileType> type;
    try {
      type = type(source.path());
    } catch (LinuxException e) {
      if (!e.isPathRefused()) {
        throw e;
      }
      throw refuse(
          entry,
          "is a hard link to '"
              + source.path()
              + "', which cannot be reached without following a symbolic link ("
              + e.getMessage()
              + ")");
    }
    if (type.isEmpty()) {
      throw refuse(
          entry, "is a hard link to '" + source.path() + "', no earlier file of the layer");
    }
    if (type.get() != FileType.FILE && type.get() != FileType.SYMLINK) {
      throw refuse(
          entry,
          "is a hard link to '"
              + source.path()
              + "', a "
              + (type.get() == FileType.DIRECTORY ? "directory" : "whiteout")
              + "; hard links may only name an earlier file of the layer");
    }
    replace(path.path());
    root.link(path.path(), source.path());
  }

  /**
   * Turns the whiteout entry for {@code path} into overlayfs's: a character device 0:0 there, which
   * hides {@code path} in the layers below. An entry of this layer there stays (the spec's
   * whiteouts hide only lower layers), made opaque if it is a directory.
   */
  void whiteout(EntryPath path) {
    String name = path.path();
    Optional<FileType> type = type(name);
    if (type.isEmpty()) {
      root.makeWhiteout(name);
      whiteouts.add(name);
    } else if (type.get() == FileType.DIRECTORY) {
      root.setXattr(name, OPAQUE_XATTR, OPAQUE);
    }
  }

  /** Makes the directory {@code dir}, which {@link #ensureParents} made sure of, opaque. */
  void opaque(String entry, String dir) {
    if (dir.equals(".")) {
      throw refuse(
          entry,
          "makes the layer's root opaque, hiding every layer below it; impulse does not stack"
              + " such layers");
    }
    root.setXattr(dir, OPAQUE_XATTR, OPAQUE);
  }

  /** Sets a file's time, after its content is written. */
  void setTime(EntryPath path, Instant time) {
    root.setModifiedTime(path.path(), time);
  }

  /** Sets the directories' times: the last step, once nothing more is made in them. */
  void finish() {
    directoryTimes.forEach(root::setModifiedTime);
  }

  /** Clears {@code name} for a new entry: a directory goes with everything in it. */
  private void replace(String name) {
    Optional<FileType> type = type(name);
    if (type.isEmpty()) {
      return;
    }
    if (type.get() == FileType.DIRECTORY) {
      removeTree(name);
    } else {
      root.delete(name);
      whiteouts.remove(name);
    }
  }

  private void replaceWhiteoutWithDirectory(String name, int mode) {
    root.delete(name);
    whiteouts.remove(name);
    root.makeDirectory(name, mode);
    root.setXattr(name, OPAQUE_XATTR, OPAQUE);
  }

  /**
   * Removes the directory {@code dir} and all it holds, following no link, without recursion (a
   * layer's tree can be 2,000 levels deep): files as they are found, directories deepest first.
   */
  private void removeTree(String dir) {
    List<String> dirs = new ArrayList<>();
    Deque<String> pending = new ArrayDeque<>(List.of(dir));
    while (!pending.isEmpty()) {
      String current = pending.pop();
      dirs.add(current);
      for (String name : root.list(current)) {
        String child = current + "/" + name;
        if (type(child).equals(Optional.of(FileType.DIRECTORY))) {
          pending.push(child);
        } else {
          root.delete(child);
        }
      }
    }
    dirs.reversed().forEach(root::delete);
    forgetTree(dir);
  }

  /** Forgets {@code dir} and everything under it: one range of each sorted set. */
  private void forgetTree(String dir) {
    // the names under dir sort between "dir/" and "dir0": '0' follows '/'
    knownDirs.remove(dir);
    knownDirs.subSet(dir + "/", dir + "0").clear();
    whiteouts.subSet(dir + "/", dir + "0").clear();
    directoryTimes.remove(dir);
    directoryTimes.subMap(dir + "/", dir + "0").clear();
  }

  private Optional<FileType> type(String path) {
    return root.stat(path).map(FileStat::type);
  }

  private static String parentOf(String dir) {
    int slash = dir.lastIndexOf('/');
    return slash < 0 ? "." : dir.substring(0, slash);
  }
}
