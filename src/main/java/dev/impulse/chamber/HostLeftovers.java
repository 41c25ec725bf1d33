package dev.impulse.chamber;

import dev.impulse.linux.FileTrees;
import dev.impulse.linux.Mounts;
import dev.impulse.runtime.Conmon;
import dev.impulse.runtime.ExitFiles;
import dev.impulse.runtime.Runc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what no record names, at daemon start: containers this daemon made that cannot be adopted
 * (stem cells of an earlier daemon among them), and mounts, directories and exit files of ids no
 * chamber has.
 */
final class HostLeftovers {
  private static final Logger log = LoggerFactory.getLogger(HostLeftovers.class);

  private final Runc runc;
  private final Conmon conmon;
  private final ExitFiles exits;
  private final Path chambersDir;
  private final ChamberHost host;

  HostLeftovers(Runc runc, Conmon conmon, ExitFiles exits, Path chambersDir, ChamberHost host) {
    this.runc = runc;
    this.conmon = conmon;
    this.exits = exits;
    this.chambersDir = chambersDir;
    this.host = host;
  }

  void removeUnknown(String id) {
    runc.delete(id, true);
    Path dir = chambersDir.resolve(id).normalize();
    try {
      host.unmount(id);
      host.removeCgroups(id);
      Files.deleteIfExists(conmon.attachLink(id));
      if (dir.startsWith(chambersDir)) {
        FileTrees.deleteRecursively(dir);
      }
    } catch (IOException e) {
      log.warn("cannot remove the files of container {}: {}", id, e.toString());
    }
  }

  void removeStrays(Collection<String> known) {
    for (Path mount : Mounts.mountPoints()) {
      if (mount.startsWith(chambersDir)
          && !known.contains(mount.getParent().getFileName().toString())) {
        log.info("unmounting {}: no chamber owns it", mount);
        for (int i = 0; i < 4 && Mounts.unmount(mount); i++) {
          // a stem cell's guest point: the function's bind over the cell's tmpfs
        }
      }
    }
    for (Path dir : list(chambersDir)) {
      if (!known.contains(dir.getFileName().toString())) {
        try {
          log.info("removing {}: no chamber owns it", dir);
          FileTrees.deleteRecursively(dir);
        } catch (IOException e) {
          log.warn("cannot remove {}: {}", dir, e.toString());
        }
      }
    }
    for (Path exit : list(exits.dir())) {
      if (!known.contains(exit.getFileName().toString())) {
        exits.forget(exit.getFileName().toString());
      }
    }
  }

  private static List<Path> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
