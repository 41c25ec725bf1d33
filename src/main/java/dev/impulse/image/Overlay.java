package dev.impulse.image;

import dev.impulse.linux.Mounts;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A chamber's root file system: an overlay of read-only layers (guest, skyhook, Debian root) with a
 * private upper directory for what the chamber writes. Mounting costs about a millisecond and
 * copies nothing.
 *
 * @param layers lower layers, top first
 * @param upper the chamber's writable layer
 * @param work overlayfs's scratch directory, on the same file system as {@code upper}
 * @param target the mount point
 */
public record Overlay(List<Path> layers, Path upper, Path work, Path target) {
  /** Mount options must fit in one page. */
  static final int MAX_OPTIONS = 4095;

  public Overlay {
    layers = List.copyOf(layers);
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("an overlay needs at least one lower layer");
    }
  }

  /** The mount options: {@code lowerdir=a:b,upperdir=u,workdir=w}. */
  public String options() {
    for (Path p : allPaths()) {
      String s = p.toString();
      if (s.contains(",") || s.contains(":") || !p.isAbsolute()) {
        throw new IllegalArgumentException(
            "overlay paths must be absolute and free of ',' and ':': " + s);
      }
    }
    String options =
        "lowerdir="
            + layers.stream().map(Path::toString).collect(Collectors.joining(":"))
            + ",upperdir="
            + upper
            + ",workdir="
            + work;
    if (options.length() > MAX_OPTIONS) {
      throw new IllegalArgumentException(
          "overlay options are "
              + options.length()
              + " bytes, over the kernel's limit of "
              + MAX_OPTIONS
              + "; use a shorter --data-dir");
    }
    return options;
  }

  /** Mounts the overlay; the mount point, upper and work directories must exist. */
  public void mount() {
    Mounts.mountOverlay(target, options());
  }

  private List<Path> allPaths() {
    return Stream.concat(layers.stream(), Stream.of(upper, work, target)).toList();
  }
}
