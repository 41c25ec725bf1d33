package dev.impulse.bakery;

import dev.impulse.oci.build.BuiltImage;
import dev.impulse.oci.build.OciArchive;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A function baked into an image, whose guest layer lives in a scratch file until {@link #close}:
 * push it, or write it as an OCI archive, then close it.
 *
 * @param image the image: manifest, config and layer blobs
 * @param tag the tag its archive names it by ({@code app-version})
 * @param guestBlob the scratch file of the guest layer, removed by {@link #close}
 */
public record BakedImage(BuiltImage image, String tag, Path guestBlob) implements AutoCloseable {
  /** The bytes {@link #writeArchive} writes, for a {@code Content-Length}. */
  public long archiveSize() {
    return OciArchive.size(image, tag);
  }

  /** Writes the image as a tar of an OCI image layout. */
  public void writeArchive(OutputStream out) throws IOException {
    OciArchive.write(image, tag, out);
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(guestBlob);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the scratch layer " + guestBlob, e);
    }
  }
}
