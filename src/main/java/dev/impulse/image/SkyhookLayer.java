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
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The skyhook wrappers as an overlay layer of their own ({@code opt/skyhook/}: {@code skyhook.py},
 * {@code skyhook.mjs}, {@code skyhook.jar}), named by the digest of their contents, so a new
 * wrapper needs no rebuild of any Debian root file system.
 */
final class SkyhookLayer {
  /** The wrappers shipped in the impulse jar next to this class, by file name. */
  static final List<String> RESOURCES = List.of("skyhook.py", "skyhook.mjs", "skyhook.jar");

  private SkyhookLayer() {}

  /** The wrappers shipped in this build of impulse, by file name. */
  static Map<String, byte[]> wrappers() {
    Map<String, byte[]> wrappers = new LinkedHashMap<>();
    for (String name : RESOURCES) {
      try (InputStream in = SkyhookLayer.class.getResourceAsStream(name)) {
        if (in == null) {
          throw new IllegalStateException(name + " is missing from the impulse jar");
        }
        wrappers.put(name, in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + name + " from the impulse jar", e);
      }
    }
    return wrappers;
  }

  /** A digest of every wrapper's name and content. */
  static String digest(Map<String, byte[]> wrappers) {
    MessageDigest sha256 = TreeDigest.sha256();
    wrappers.forEach((name, bytes) -> {
      sha256.update((name + "\n" + bytes.length + "\n").getBytes(StandardCharsets.UTF_8));
      sha256.update(bytes);
    });
    return HexFormat.of().formatHex(sha256.digest()).substring(0, 12);
  }

  /** Writes the layer under {@code dir} unless it is there; returns the layer's directory. */
  static Path ensure(Path dir) {
    Map<String, byte[]> wrappers = wrappers();
    Path layer = dir.resolve(digest(wrappers));
    if (Files.isDirectory(layer)) {
      return layer;
    }
    try {
      Files.createDirectories(dir);
      Path staging = Files.createTempDirectory(dir, ".tmp-");
      Path home = staging.resolve(Language.SKYHOOK_DIR.substring(1));
      Files.createDirectories(home);
      for (Map.Entry<String, byte[]> wrapper : wrappers.entrySet()) {
        Path file = home.resolve(wrapper.getKey());
        Files.write(file, wrapper.getValue());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
      }
      for (Path p = home; !p.equals(staging); p = p.getParent()) {
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
