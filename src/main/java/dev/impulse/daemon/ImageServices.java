package dev.impulse.daemon;

import dev.impulse.image.Baseimages;
import dev.impulse.image.InvalidRuntimeImageException;
import dev.impulse.image.PulledRuntimes;
import dev.impulse.image.RuntimeCatalog;
import dev.impulse.image.RuntimeImage;
import dev.impulse.image.RuntimePuller;
import dev.impulse.image.Runtimes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/** The daemon's image side: the layer store, the registry client and the pulled runtimes. */
final class ImageServices {
  private final Runtimes runtimes;

  private ImageServices(Runtimes runtimes) {
    this.runtimes = runtimes;
  }

  static ImageServices open(DaemonConfig config, RuntimeCatalog catalog, Baseimages baseimages) {
    Set<String> reserved = new HashSet<>(catalog.names());
    RuntimePuller puller =
        new RuntimePuller() {
          @Override
          public String canonical(String reference) {
            throw new InvalidRuntimeImageException("not yet");
          }

          @Override
          public RuntimeImage pull(String reference, Consumer<String> progress) {
            throw new IllegalStateException("not yet");
          }
        };
    try {
      PulledRuntimes pulled =
          new PulledRuntimes(
              config.dataDir().resolve("runtimes"), puller, baseimages::skyhookLayer, reserved);
      return new ImageServices(new Runtimes(catalog, Optional.of(pulled)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the pulled runtimes: " + e.getMessage(), e);
    }
  }

  Runtimes runtimes() {
    return runtimes;
  }
}
