package dev.impulse.image;

import dev.impulse.linux.Mounts;
import dev.impulse.linux.RootedDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Finds a pulled runtime's interpreter the way a chamber would: it mounts the image's layers under
 * the skyhook layer as a read-only overlay (about a millisecond), so whiteouts, opaque directories
 * and symbolic links across layers ({@code /bin -> usr/bin}) count as they will in a chamber, and
 * looks for the language's interpreter on the image's {@code PATH}, the kernel keeping every lookup
 * inside the mount. This also proves the layers stack: a chamber's overlay cannot fail where the
 * probe mounted.
 */
final class InterpreterProbe {
  private static final String DEFAULT_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final Map<Language, List<String>> NAMES =
      Map.of(
          Language.PYTHON, List.of("python3"),
          Language.NODE, List.of("node", "nodejs"),
          Language.JAVA, List.of("java"),
          Language.BINARY, List.of());

  static final String PREFIX = "probe-";

  /** What a chamber's overlay options add to the lower directories (three paths of its own). */
  static final int CHAMBER_PATHS_ROOM = 512;

  private final Path scratch;

  /** Unmounts and removes the probes' mount points a crash left in {@code dir}. */
  static void removeLeftovers(Path dir) throws IOException {
    try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
      for (Path target : entries.toList()) {
        if (Mounts.isMountPoint(target)) {
          Mounts.unmount(target);
        }
        Files.deleteIfExists(target);
      }
    }
  }

  /** Mounts under {@code scratch}, a directory of the daemon's; each probe removes its own. */
  InterpreterProbe(Path scratch) {
    this.scratch = scratch;
  }

  /**
   * The interpreter of {@code runtime}'s language in its image (stacked under {@code skyhook}):
   * {@code given} if it is an executable file there, else the first of the language's names on the
   * image's {@code PATH}; empty for a binary runtime. Throws {@link RuntimePullException} saying
   * what was looked for when nothing fits.
   */
  Optional<String> find(
      Language language, RuntimeImage image, Path skyhook, Optional<String> given) {
    if (language == Language.BINARY && given.isEmpty()) {
      return Optional.empty();
    }
    List<String> candidates = new ArrayList<>();
    given.ifPresent(candidates::add);
    if (given.isEmpty()) {
      String path = pathOf(image);
      for (String dir : path.split(":")) {
        if (dir.startsWith("/")) {
          NAMES
              .get(language)
              .forEach(name -> candidates.add(dir.replaceAll("/+$", "") + "/" + name));
        }
      }
    }
    Path target = scratch.resolve(PREFIX + UUID.randomUUID());
    try {
      Files.createDirectories(target);
      List<Path> lower = new ArrayList<>();
      lower.add(skyhook);
      lower.addAll(image.layers());
      String options =
          "lowerdir=" + lower.stream().map(Path::toString).collect(Collectors.joining(":"));
      // a chamber's mount adds its upper, work and target directories: keep room for them
      if (options.length() + CHAMBER_PATHS_ROOM > Overlay.MAX_OPTIONS) {
        throw new RuntimePullException(
            "image "
                + image.reference()
                + " has "
                + image.layers().size()
                + " layers, more than one overlay mount can name under this data directory"
                + " (the kernel takes 4095 bytes of options); squash the image's layers, or use a"
                + " shorter --data-dir",
            null);
      }
      Mounts.mountOverlay(target, options);
      try (RootedDir root = RootedDir.open(target)) {
        for (String candidate : candidates) {
          if (root.followAsRoot(candidate.substring(1)) == RootedDir.Resolution.FILE) {
            return Optional.of(candidate);
          }
        }
      } finally {
        Mounts.unmount(target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the probe mount point " + target, e);
    } finally {
      try {
        Files.deleteIfExists(target);
      } catch (IOException e) {
        // an empty directory in the daemon's scratch; the next start removes it
      }
    }
    throw new RuntimePullException(
        "image "
            + image.reference()
            + (given.isPresent()
                ? " has no file " + given.get()
                : " has no "
                    + String.join(" or ", NAMES.get(language))
                    + " on its PATH ("
                    + pathOf(image)
                    + ")")
            + "; name the interpreter with \"interpreter\": \"/path/in/image\", or pick an image"
            + " of the "
            + language.id()
            + " language",
        null);
  }

  private static String pathOf(RuntimeImage image) {
    return image.env().stream()
        .filter(e -> e.startsWith("PATH="))
        .map(e -> e.substring(5))
        .reduce((a, b) -> b)
        .orElse(DEFAULT_PATH);
  }
}
