package dev.impulse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The tars the proof of concept started from: each baseimage (Debian root and wrapper) as one tar,
 * and the guest as another. Made once per run, outside any timing.
 */
final class PocImages {
  private final BenchEnv env;
  private final Map<String, Path> baseTars = new HashMap<>();
  private final Map<Path, Path> guestTars = new HashMap<>();

  PocImages(BenchEnv env) {
    this.env = env;
  }

  synchronized Path baseTar(String runtime) throws IOException, InterruptedException {
    Path tar = baseTars.get(runtime);
    if (tar == null) {
      tar = env.root.resolve("poc-" + runtime + ".tar");
      var base = env.baseimage(runtime);
      RawContainer.tar("-cf", tar.toString(), "-C", base.rootfs().toString(), ".");
      RawContainer.tar(
          "-rf", tar.toString(), "-C", base.skyhookLayer().toString(), "./opt/skyhook");
      baseTars.put(runtime, tar);
    }
    return tar;
  }

  /** The guest of the function whose layer is {@code functionLayer}, as a tar. */
  synchronized Path guestTar(Path functionLayer) throws IOException, InterruptedException {
    Path tar = guestTars.get(functionLayer);
    if (tar == null) {
      tar = env.root.resolve("poc-guest-" + guestTars.size() + ".tar");
      RawContainer.tar(
          "-cf", tar.toString(), "-C", functionLayer.resolve("opt/guest").toString(), ".");
      guestTars.put(functionLayer, tar);
    }
    return tar;
  }

  long baseTarBytes(String runtime) throws IOException, InterruptedException {
    return Files.size(baseTar(runtime));
  }
}
