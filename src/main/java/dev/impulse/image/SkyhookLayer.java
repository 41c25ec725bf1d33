package dev.impulse.image;

import dev.impulse.linux.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The skyhook wrapper as an overlay layer of its own ({@code opt/skyhook/skyhook.py}), named by the
 * digest of the script, so a new wrapper needs no rebuild of any Debian root file system.
 */
final class SkyhookLayer {
  static final String RESOURCE = "skyhook.py";

  private SkyhookLayer() {}

  /** The script shipped in this build of impulse. */
  static String script() {
    try (InputStream in = SkyhookLayer.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("skyhook.py is missing from the impulse jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read skyhook.py from the impulse jar", e);
    }
  }

  /** Writes the layer under {@code dir} unless it is there; returns the layer's directory. */
  static Path ensure(Path dir) {
    String script = script();
    Path layer = dir.resolve(BaseimageRecipe.sha256(script).substring(0, 12));
    if (Files.isDirectory(layer)) {
      return layer;
    }
    try {
      Files.createDirectories(dir);
      Path staging = Files.createTempDirectory(dir, ".tmp-");
      Path file = staging.resolve(Baseimage.SKYHOOK_PATH.substring(1));
      Files.createDirectories(file.getParent());
      Files.writeString(file, script);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
      for (Path p = file.getParent(); !p.equals(staging); p = p.getParent()) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
      Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
      try {
        Files.move(staging, layer, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException raced) {
        FileTrees.deleteRecursively(staging);
        if (!Files.isDirectory(layer)) {
          throw raced;
        }
        // another writer put the same layer in place first
      }
      return layer;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the skyhook layer under " + dir, e);
    }
  }
}
