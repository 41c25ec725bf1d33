package dev.impulse.daemon;

import dev.impulse.linux.Processes;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks the machine before the daemon touches anything, with messages saying what to do. */
final class Preflight {
  private Preflight() {}

  static void check(DaemonConfig config) {
    if (!Processes.isRoot()) {
      throw new IllegalStateException(
          "impulse daemon must run as root: it mounts overlays and runs runc (try sudo)");
    }
    requireExecutable("runc", config.binaries().runc());
    requireExecutable("conmon", config.binaries().conmon());
    requireExecutable("mmdebstrap", config.binaries().mmdebstrap());
    if (config.network().mode() == DaemonConfig.NetworkMode.BRIDGE) {
      requireExecutable("ip", "iproute2", config.binaries().ip());
      requireExecutable("nft", "nftables", config.binaries().nft());
      requireExecutable("conntrack", "conntrack", config.binaries().conntrack());
    }
  }

  private static void requireExecutable(String name, Path path) {
    requireExecutable(name, name, path);
  }

  private static void requireExecutable(String name, String debianPackage, Path path) {
    if (!Files.isExecutable(path)) {
      throw new IllegalStateException(
          name
              + " is not at "
              + path
              + "; install Debian's "
              + debianPackage
              + " package (scripts/install-deps does) or pass --"
              + name
              + " PATH");
    }
  }
}
