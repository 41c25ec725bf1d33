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
  /** The most variables an image's {@code Env} may have: real images have a few dozen at most. */
  public static final int MAX_ENV = 128;

  /** The most bytes an image's {@code Env} may hold in all, as a chamber's own {@code env}. */
  public static final int MAX_ENV_BYTES = 64 * 1024;

  private static final java.util.regex.Pattern ENTRY =
      java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=[^\\x00]*");

  public RuntimeImage {
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("image " + reference + " has no layers");
    }
    layers = List.copyOf(layers);
    env = List.copyOf(env);
    long bytes = env.stream().mapToLong(String::length).sum();
    if (env.size() > MAX_ENV || bytes > MAX_ENV_BYTES) {
      throw new IllegalArgumentException(
          "image "
              + reference
              + " sets "
              + env.size()
              + " environment variables of "
              + bytes
              + " bytes; a runtime image may set at most "
              + MAX_ENV
              + " of "
              + MAX_ENV_BYTES
              + " bytes in all");
    }
    for (String entry : env) {
      if (!ENTRY.matcher(entry).matches()) {
        throw new IllegalArgumentException(
            "image "
                + reference
                + " sets an environment variable impulse does not pass on: '"
                + (entry.length() > 80 ? entry.substring(0, 80) + "..." : entry)
                + "' (NAME=value, NAME of letters, digits and '_', no NUL)");
      }
    }
  }
}
