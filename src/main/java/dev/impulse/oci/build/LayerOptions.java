package dev.impulse.oci.build;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What {@link LayerWriter} makes of a tree besides its files: where in the layer the tree goes, and
 * what of it stays out. Paths are relative to the tree (a leading or trailing '/' is dropped), its
 * components joined by '/', never "." or "..". Immutable.
 *
 * @param prefix the directory of the layer the tree's content goes into ({@code opt/guest}), empty
 *     for the layer's root. Its directories are written as {@code 0755}, owned by root, with the
 *     time 0: they are impulse's, not the tree's, and must not make the digest depend on when the
 *     tree was made.
 * @param excluded paths left out, with everything below them; kept sorted
 * @param emptied directories written without anything below them: a root file system's {@code dev},
 *     whose device nodes, links and mount points mean nothing outside the machine that made them (a
 *     container runtime mounts its own {@code /dev}); kept sorted
 * @param overlayWhiteouts whether the tree is an overlayfs lower layer as the layer store keeps
 *     them, whose whiteouts (character devices 0:0) and opaque directories ({@code
 *     trusted.overlay.opaque=y}) are written back as OCI's {@code .wh.} entries; otherwise devices
 *     are skipped and attributes not read
 */
public record LayerOptions(
    String prefix, Set<String> excluded, Set<String> emptied, boolean overlayWhiteouts) {
  /** The tree as it is, at the layer's root. */
  public static final LayerOptions DEFAULT = new LayerOptions("", Set.of(), Set.of());

  /**
   * A Debian root file system as mmdebstrap makes it: {@code dev}, {@code proc} and {@code sys}
   * become empty directories, which the container runtime mounts over.
   */
  public static final LayerOptions ROOT_FILE_SYSTEM = DEFAULT.emptying("dev", "proc", "sys");

  /** Options for a plain tree. */
  public LayerOptions(String prefix, Set<String> excluded, Set<String> emptied) {
    this(prefix, excluded, emptied, false);
  }

  public LayerOptions {
    prefix = normalize(prefix, "prefix", true);
    excluded = sortedPaths(excluded, "excluded");
    emptied = sortedPaths(emptied, "emptied");
  }

  /** These options with the tree under {@code prefix}. */
  public LayerOptions withPrefix(String prefix) {
    return new LayerOptions(prefix, excluded, emptied, overlayWhiteouts);
  }

  /** These options with {@code paths} left out as well. */
  public LayerOptions excluding(String... paths) {
    return new LayerOptions(prefix, plus(excluded, paths), emptied, overlayWhiteouts);
  }

  /** These options with the directories {@code paths} written empty as well. */
  public LayerOptions emptying(String... paths) {
    return new LayerOptions(prefix, excluded, plus(emptied, paths), overlayWhiteouts);
  }

  /** These options for a layer the layer store unpacked: whiteouts written back as OCI's. */
  public LayerOptions fromOverlayLayer() {
    return new LayerOptions(prefix, excluded, emptied, true);
  }

  /** Whether the tree's {@code path} is left out. */
  boolean excludes(String path) {
    return excluded.contains(path);
  }

  /** Whether the directory {@code path} is written without its content. */
  boolean empties(String path) {
    return emptied.contains(path);
  }

  /** The prefix's directories, top first: {@code opt}, {@code opt/guest}. */
  List<String> prefixDirectories() {
    List<String> dirs = new ArrayList<>();
    if (!prefix.isEmpty()) {
      int slash = -1;
      while ((slash = prefix.indexOf('/', slash + 1)) >= 0) {
        dirs.add(prefix.substring(0, slash));
      }
      dirs.add(prefix);
    }
    return dirs;
  }

  private static SortedSet<String> plus(Set<String> paths, String... more) {
    Set<String> all = new TreeSet<>(paths);
    all.addAll(Arrays.asList(more));
    return sortedPaths(all, "path");
  }

  private static SortedSet<String> sortedPaths(Set<String> paths, String what) {
    if (paths == null) {
      throw new IllegalArgumentException(
          "the " + what + " paths cannot be null; give an empty set");
    }
    SortedSet<String> sorted = new TreeSet<>();
    for (String path : paths) {
      sorted.add(normalize(path, what + " path", false));
    }
    return Collections.unmodifiableSortedSet(sorted);
  }

  private static String normalize(String path, String what, boolean mayBeEmpty) {
    if (path == null) {
      throw new IllegalArgumentException("the " + what + " cannot be null");
    }
    String trimmed = path.replaceAll("^/+|/+$", "");
    if (trimmed.isEmpty() && mayBeEmpty) {
      return trimmed;
    }
    for (String part : trimmed.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "the "
                + what
                + " '"
                + path
                + "' is not a relative path of the tree: give names joined by '/', without '.',"
                + " '..' or empty components");
      }
    }
    return trimmed;
  }
}
