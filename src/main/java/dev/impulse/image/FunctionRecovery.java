package dev.impulse.image;

import dev.impulse.linux.LinuxException;
import dev.impulse.store.FunctionRow;
import dev.impulse.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles, at start-up, the version directories under {@code functions/} with the state store's
 * rows. The directories are what running chambers use as their lower layer, so they are never
 * deleted here: a directory without a row (impulse.db lost, replaced, or an upload stopped between
 * its move and its row) is re-imported, from its {@link FunctionMetadata} file when it has one,
 * else with a {@link TreeDigest} of its files; a row without a directory (a deletion stopped after
 * moving the files out) is forgotten. Each re-import is logged as a warning saying what happened.
 * Used once, by {@link FunctionStore#open}, before anything else touches the store.
 */
final class FunctionRecovery {
  private static final Logger log = LoggerFactory.getLogger(FunctionRecovery.class);

  private final Path dir;
  private final Store store;

  FunctionRecovery(Path dir, Store store) {
    this.dir = dir;
    this.store = store;
  }

  static Path home(Path dir, FunctionRef ref) {
    return dir.resolve(ref.app()).resolve(ref.version());
  }

  static boolean hasGuest(Path home) {
    return Files.isDirectory(guest(home), LinkOption.NOFOLLOW_LINKS);
  }

  static Path guest(Path home) {
    return home.resolve("layer").resolve(FunctionStore.GUEST_DIR.substring(1));
  }

  static StoredFunction stored(FunctionRef ref, Path home, FunctionMetadata metadata) {
    return new StoredFunction(
        ref,
        metadata.digest(),
        metadata.archiveBytes(),
        metadata.createdTimeMillis(),
        home.resolve("layer"));
  }

  /** The stored functions, after bringing rows and directories into agreement. */
  Map<FunctionRef, StoredFunction> recover() throws IOException {
    Map<FunctionRef, StoredFunction> found = new HashMap<>();
    for (FunctionRow row : store.functions()) {
      FunctionRef ref = new FunctionRef(row.app(), row.version());
      Path home = home(dir, ref);
      if (!hasGuest(home)) {
        log.warn("function {}: its files are gone (a deletion cut short?); forgetting it", ref);
        store.deleteFunction(ref.app(), ref.version());
        continue;
      }
      FunctionMetadata metadata =
          new FunctionMetadata(row.digest(), row.archiveBytes(), row.createdTimeMillis());
      found.put(ref, stored(ref, home, metadata));
      writeMissingMetadata(ref, home, metadata);
    }
    try (Stream<Path> apps = Files.list(dir)) {
      for (Path app : apps.sorted().toList()) {
        if (Files.isDirectory(app, LinkOption.NOFOLLOW_LINKS)) {
          recoverApp(app, found);
        }
      }
    }
    return found;
  }

  private void recoverApp(Path app, Map<FunctionRef, StoredFunction> found) throws IOException {
    try (Stream<Path> versions = Files.list(app)) {
      for (Path home : versions.sorted().toList()) {
        Optional<FunctionRef> ref = refOf(app, home);
        if (ref.isPresent() && !found.containsKey(ref.get())) {
          reimport(ref.get(), home).ifPresent(stored -> found.put(ref.get(), stored));
        }
      }
    }
    try (Stream<Path> rest = Files.list(app)) {
      if (rest.findAny().isEmpty()) {
        Files.deleteIfExists(app);
      }
    }
  }

  private static Optional<FunctionRef> refOf(Path app, Path home) {
    try {
      return Optional.of(
          new FunctionRef(app.getFileName().toString(), home.getFileName().toString()));
    } catch (InvalidNameException e) {
      log.warn(
          "{} is not named like a function version ({}); left in place: remove it if it is not"
              + " needed",
          home,
          e.getMessage());
      return Optional.empty();
    }
  }

  private Optional<StoredFunction> reimport(FunctionRef ref, Path home) {
    if (!hasGuest(home)) {
      log.warn(
          "{} has no guest at layer{}: it is not a function version impulse stored; left in place:"
              + " remove it if it is not needed",
          home,
          FunctionStore.GUEST_DIR);
      return Optional.empty();
    }
    FunctionMetadata metadata;
    try {
      Optional<FunctionMetadata> saved = readMetadata(ref, home);
      if (saved.isPresent()) {
        metadata = saved.get();
        log.warn(
            "function {}: the state store had no row for it (impulse.db lost or replaced, or an"
                + " upload stopped before its row); re-imported from its {} with digest {}",
            ref,
            FunctionMetadata.FILE_NAME,
            metadata.digest());
      } else {
        metadata =
            new FunctionMetadata(
                TreeDigest.of(guest(home)),
                0,
                Files.getLastModifiedTime(home, LinkOption.NOFOLLOW_LINKS).toMillis());
        log.warn(
            "function {}: the state store had no row for it and it has no {} (stored by an older"
                + " impulse); re-imported with digest {}, computed from its files; its archive"
                + " size is unknown (0)",
            ref,
            FunctionMetadata.FILE_NAME,
            metadata.digest());
        writeMissingMetadata(ref, home, metadata);
      }
    } catch (IOException | LinuxException e) {
      log.warn(
          "function {}: cannot be re-imported ({}); its files are left in place, not deleted:"
              + " fix the cause and restart the daemon",
          ref,
          e.getMessage());
      return Optional.empty();
    }
    store.saveFunction(
        new FunctionRow(
            ref.app(),
            ref.version(),
            metadata.digest(),
            metadata.archiveBytes(),
            metadata.createdTimeMillis()));
    return Optional.of(stored(ref, home, metadata));
  }

  private static Optional<FunctionMetadata> readMetadata(FunctionRef ref, Path home) {
    try {
      return FunctionMetadata.read(home);
    } catch (IOException e) {
      log.warn(
          "function {}: {}; its digest is computed from its files instead", ref, e.getMessage());
      return Optional.empty();
    }
  }

  /** So a version stored by an older impulse keeps its digest if impulse.db is ever lost. */
  private static void writeMissingMetadata(FunctionRef ref, Path home, FunctionMetadata metadata) {
    try {
      if (FunctionMetadata.read(home).map(metadata::equals).orElse(false)) {
        return;
      }
    } catch (IOException unreadable) {
      // rewritten below
    }
    try {
      metadata.write(home);
    } catch (IOException e) {
      log.warn(
          "function {}: cannot write its {} ({}); it would be re-imported with a digest of its"
              + " files if the state store lost its row",
          ref,
          FunctionMetadata.FILE_NAME,
          e.getMessage());
    }
  }
}
