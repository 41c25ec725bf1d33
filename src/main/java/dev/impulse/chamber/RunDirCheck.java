package dev.impulse.chamber;

import dev.impulse.runtime.ContainerState;
import dev.impulse.runtime.Runc;
import dev.impulse.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices a daemon started with another {@code --run-dir} than the one its store was last used
 * with. runc on the new root cannot see the containers running under the old one, and recovery
 * would take them for ended and release what they use (their root file system, upper directory,
 * port) while they run on. So the store records runc's root and conmon's exit directory; when they
 * changed and containers still run under the old root, the daemon refuses to start and says how to
 * go on; when nothing runs there, the change is taken and logged.
 */
final class RunDirCheck {
  private static final Logger log = LoggerFactory.getLogger(RunDirCheck.class);
  static final String RUNC_ROOT = "runc_root";
  static final String EXIT_DIR = "exit_dir";

  private final Store store;
  private final Runc runc;
  private final Path exitDir;

  RunDirCheck(Store store, Runc runc, Path exitDir) {
    this.store = store;
    this.runc = runc;
    this.exitDir = exitDir;
  }

  /** Throws {@link IllegalStateException} when containers run where this daemon cannot see them. */
  void check() {
    Path root = runc.root().toAbsolutePath().normalize();
    Optional<String> recorded = store.meta(RUNC_ROOT);
    if (recorded.isPresent() && !Path.of(recorded.get()).equals(root)) {
      Path old = Path.of(recorded.get());
      List<ContainerState> stranded =
          Files.isDirectory(old) ? runc.withRoot(old).list() : List.of();
      if (!stranded.isEmpty()) {
        throw new IllegalStateException(
            "this data directory was last used with runc root "
                + old
                + " (--run-dir "
                + old.getParent()
                + "), where "
                + stranded.size()
                + " container(s) still run ("
                + String.join(", ", stranded.stream().limit(5).map(ContainerState::id).toList())
                + (stranded.size() > 5 ? ", ..." : "")
                + "); this start uses "
                + root
                + ", where runc cannot see them, so they would be taken for ended while they run."
                + " Start the daemon with --run-dir "
                + old.getParent()
                + ", or stop those containers first");
      }
      log.warn(
          "the run directory changed: runc root {} (was {}); no container runs under the old one",
          root,
          old);
    }
    store.putMeta(RUNC_ROOT, root.toString());
    store.putMeta(EXIT_DIR, exitDir.toAbsolutePath().normalize().toString());
  }
}
