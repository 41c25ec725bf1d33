package dev.impulse.image;

import java.nio.file.Path;
import java.util.List;

/**
 * A runtime ready for chambers: its root file system (one Debian tree that mmdebstrap built, or a
 * pulled image's layers) and the skyhook layer above it, all read-only lower layers of every
 * chamber's overlay.
 *
 * @param runtime the runtime it is for
 * @param rootfsLayers the root file system's layers, top first: the Debian root alone, or the
 *     image's layers in the layer store
 * @param skyhookLayer the directory holding the wrappers under {@value Language#SKYHOOK_DIR}
 */
public record Baseimage(RuntimeDefinition runtime, List<Path> rootfsLayers, Path skyhookLayer) {
  public Baseimage {
    rootfsLayers = List.copyOf(rootfsLayers);
    if (rootfsLayers.isEmpty()) {
      throw new IllegalArgumentException("runtime " + runtime.name() + " has no root layers");
    }
  }

  /** A Debian baseimage: one root file system. */
  public Baseimage(RuntimeDefinition runtime, Path rootfs, Path skyhookLayer) {
    this(runtime, List.of(rootfs), skyhookLayer);
  }

  /** The bottom layer: the Debian root of a built baseimage. */
  public Path rootfs() {
    return rootfsLayers.getLast();
  }

  /** The layers, top first, as overlayfs's {@code lowerdir} wants them. */
  public List<Path> layers() {
    List<Path> layers = new java.util.ArrayList<>(rootfsLayers.size() + 1);
    layers.add(skyhookLayer);
    layers.addAll(rootfsLayers);
    return List.copyOf(layers);
  }
}
