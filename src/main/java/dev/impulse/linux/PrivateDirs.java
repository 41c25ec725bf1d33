package dev.impulse.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Directories only their owner (root) may enter: the daemon's data holds every tenant's code,
 * environment (secrets) and root file system changes, which include whatever set-uid-root binary a
 * tenant (root inside its chamber) left there. One that exists with another mode is changed, and
 * the daemon's log says so.
 */
public final class PrivateDirs {
  private static final Logger log = LoggerFactory.getLogger(PrivateDirs.class);
  private static final Set<PosixFilePermission> MODE = PosixFilePermissions.fromString("rwx------");

  private PrivateDirs() {}

  /** Makes {@code dir} (and missing parents) mode 0700, or changes it to 0700 if it exists. */
  public static Path make(Path dir) throws IOException {
    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(MODE));
    Set<PosixFilePermission> was = Files.getPosixFilePermissions(dir);
    if (!was.equals(MODE)) {
      Files.setPosixFilePermissions(dir, MODE);
      log.warn(
          "{} was mode {}; made it {}: only root may enter the daemon's data",
          dir,
          PosixFilePermissions.toString(was),
          PosixFilePermissions.toString(MODE));
    }
    return dir;
  }
}
