package dev.impulse.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The drop-in directory: archives an operator puts there as {@code <app>-<version>.tar} (or {@code
 * .tar.gz}, {@code .tgz}) are functions too, imported by {@link FunctionStore}. Read, never
 * written. Immutable and thread-safe.
 */
final class DropIns {
  static final List<String> SUFFIXES = List.of(".tar", ".tar.gz", ".tgz");

  private final Path dir;

  DropIns(Path dir) {
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  /** Every drop-in archive with a valid name, in name order. */
  List<Map.Entry<FunctionRef, Path>> all() throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Map.Entry<FunctionRef, Path>> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.sorted().toList()) {
        parseName(file.getFileName().toString()).ifPresent(ref -> found.add(Map.entry(ref, file)));
      }
    }
    return found;
  }

  /** The drop-in archive of {@code ref}, when there is one. */
  Optional<Path> fileFor(FunctionRef ref) {
    for (String suffix : SUFFIXES) {
      Path file = dir.resolve(ref.app() + "-" + ref.version() + suffix);
      if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        return Optional.of(file);
      }
    }
    return Optional.empty();
  }

  /**
   * Splits a drop-in file name {@code <app>-<version>.tar} at the first '-' followed by a digit:
   * {@code my-app-1.0.0-rc1.tar} is app {@code my-app}, version {@code 1.0.0-rc1}.
   */
  static Optional<FunctionRef> parseName(String fileName) {
    for (String suffix : SUFFIXES) {
      if (fileName.endsWith(suffix)) {
        String stem = fileName.substring(0, fileName.length() - suffix.length());
        for (int i = 1; i < stem.length() - 1; i++) {
          if (stem.charAt(i) == '-' && Character.isDigit(stem.charAt(i + 1))) {
            try {
              return Optional.of(new FunctionRef(stem.substring(0, i), stem.substring(i + 1)));
            } catch (InvalidNameException e) {
              return Optional.empty();
            }
          }
        }
        return Optional.empty();
      }
    }
    return Optional.empty();
  }
}
