package dev.impulse.daemon;

import dev.impulse.linux.FileTrees;
import dev.impulse.linux.Mounts;
import dev.impulse.runtime.Conmon;
import dev.impulse.runtime.ContainerState;
import dev.impulse.runtime.Runc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removes what an earlier daemon on this data directory left behind. */
final class Leftovers {
  private static final Logger log = LoggerFactory.getLogger(Leftovers.class);
  private final DaemonConfig config;
  private final Runc runc;
  private final Conmon conmon;

  Leftovers(DaemonConfig config, Runc runc, Conmon conmon) {
    this.config = config;
    this.runc = runc;
    this.conmon = conmon;
  }

  void clean() throws IOException {
    for (ContainerState state : runc.list()) {
      log.info("removing leftover container {}", state.id());
      runc.delete(state.id(), true);
      Files.deleteIfExists(conmon.attachLink(state.id()));
    }
    for (Path mount : Mounts.mountPoints()) {
      if (mount.startsWith(config.chambersDir())) {
        log.info("unmounting leftover {}", mount);
        Mounts.unmount(mount);
      }
    }
    try (Stream<Path> dirs = Files.list(config.chambersDir())) {
      for (Path dir : dirs.toList()) {
        FileTrees.deleteRecursively(dir);
      }
    }
    try (Stream<Path> exits = Files.list(config.exitDir())) {
      for (Path exit : exits.toList()) {
        Files.deleteIfExists(exit);
      }
    }
  }
}
