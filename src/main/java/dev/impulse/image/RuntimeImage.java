package dev.impulse.image;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a runtime pulled from a registry comes from, and what of its image a chamber uses: the
 * layers (its root file system) and the environment of the image's config ({@code PATH} that finds
 * its interpreter, {@code LANG}, ...). The image's entrypoint, command, user and working directory
 * are not used: a chamber runs the language's wrapper as its own unprivileged user. Immutable.
 *
 * @param reference the image as it was asked for ({@code 127.0.0.1:5000/python:3.11})
 * @param manifestDigest the digest of the manifest that was pulled ({@code sha256:...})
 * @param layers the unpacked layers in the layer store, top first, as overlayfs stacks them
 * @param env the image config's environment, {@code NAME=value} each
 */
public record RuntimeImage(
    String reference, String manifestDigest, List<Path> layers, List<String> env) {
  public RuntimeImage {
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("image " + reference + " has no layers");
    }
    layers = List.copyOf(layers);
    env = List.copyOf(env);
  }
}
