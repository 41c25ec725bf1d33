package dev.impulse.oci;

import java.io.IOException;
import java.io.InputStream;

/**
 * Opens a layer's blob for reading, from a registry or a file; called at most once per unpack, and
 * not at all when the layer is already stored. The caller of {@link #open} closes the stream.
 */
@FunctionalInterface
public interface BlobSource {
  InputStream open() throws IOException;
}
