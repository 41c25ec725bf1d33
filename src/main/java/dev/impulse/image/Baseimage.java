package dev.impulse.image;

import java.nio.file.Path;
import java.util.List;

/**
 * A built baseimage: the runtime's root file system and the skyhook layer above it, both read-only
 * lower layers of every chamber's overlay.
 *
 * @param runtime the runtime it was built for
 * @param rootfs the Debian root file system
 * @param skyhookLayer the directory holding the wrappers under {@value Language#SKYHOOK_DIR}
 */
public record Baseimage(RuntimeDefinition runtime, Path rootfs, Path skyhookLayer) {
  /** The layers, top first, as overlayfs's {@code lowerdir} wants them. */
  public List<Path> layers() {
    return List.of(skyhookLayer, rootfs);
  }
}
