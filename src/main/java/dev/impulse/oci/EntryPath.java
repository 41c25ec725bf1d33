package dev.impulse.oci;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A tar entry's name (or a hard link's target) as the components a {@link
 * dev.impulse.linux.RootedDir} takes: "." and empty components dropped, everything that could leave
 * the layer refused. A {@code ..} is refused wherever it stands, even where it would stay inside:
 * no image builder writes one, and {@code a/../b} means something else once {@code a} is a symbolic
 * link, so there is no safe way to read it. Immutable.
 *
 * @param parts the components, none of them empty, "." or ".."; empty for the layer's root
 */
record EntryPath(List<String> parts) {
  /** The prefix of a whiteout, and of every name that is one: such names are never real files. */
  static final String WHITEOUT_PREFIX = ".wh.";

  /** The name that makes its directory opaque. */
  static final String OPAQUE_MARKER = ".wh..wh..opq";

  EntryPath {
    parts = List.copyOf(parts);
  }

  /**
   * Parses {@code name}, naming {@code entryName} in a refusal; {@code what} says what is parsed
   * ("name", "link target").
   */
  static EntryPath parse(String entryName, String name, String what, int maxBytes) {
    if (name.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      throw LayerTree.refuse(entryName, "has a " + what + " over " + maxBytes + " bytes");
    }
    if (name.startsWith("/")) {
      throw LayerTree.refuse(
          entryName, "leaves the layer: its " + what + " is an absolute path ('" + name + "')");
    }
    List<String> parts = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.equals("..")) {
        throw LayerTree.refuse(
            entryName, "leaves the layer: its " + what + " contains '..' ('" + name + "')");
      }
      if (part.indexOf('\0') >= 0) {
        throw LayerTree.refuse(entryName, "has NUL in its " + what);
      }
      if (!part.isEmpty() && !part.equals(".")) {
        parts.add(part);
      }
    }
    for (int i = 0; i < parts.size() - 1; i++) {
      if (parts.get(i).startsWith(WHITEOUT_PREFIX)) {
        throw LayerTree.refuse(
            entryName,
            "has a "
                + what
                + " passing through '"
                + parts.get(i)
                + "': names beginning with "
                + WHITEOUT_PREFIX
                + " are whiteouts, never directories");
      }
    }
    return new EntryPath(parts);
  }

  boolean isRoot() {
    return parts.isEmpty();
  }

  /** The last component. */
  String name() {
    return parts.getLast();
  }

  /** The whole path, components joined by '/'. */
  String path() {
    return String.join("/", parts);
  }

  /** The directory holding it: "." for the root's. */
  String parent() {
    return parts.size() == 1 ? "." : String.join("/", parts.subList(0, parts.size() - 1));
  }

  /** The path with another last component. */
  EntryPath withName(String name) {
    List<String> other = new ArrayList<>(parts);
    other.set(other.size() - 1, name);
    return new EntryPath(other);
  }
}
