package dev.impulse.image;

import dev.impulse.linux.FileTrees;
import dev.impulse.linux.PrivateDirs;
import dev.impulse.store.DiskFullException;
import dev.impulse.store.FunctionRow;
import dev.impulse.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The uploaded functions: each version unpacked once into {@code <dir>/<app>/<version>/layer} (the
 * guest at {@link #GUEST_DIR} inside it, ready to be an overlay layer), with its {@link
 * FunctionMetadata} beside it in {@code function.json} and a row in the state store.
 *
 * <p>A version exists while its directory is in place. The directory, with its metadata written
 * first, is moved in atomically before the row is written; a deletion moves it out before removing
 * the row. So at start-up a directory without a row is re-imported, never deleted (it may be the
 * lower layer of a running chamber, and impulse.db may simply have been lost), and a row without a
 * directory is forgotten: neither an upload nor a deletion cut short can bring back a deleted
 * version or lose a stored one. Versions are immutable: uploading the same archive again changes
 * nothing, different content is refused. Archives dropped into the drop-in directory are imported
 * too. Uploads are spooled and unpacked aside, at most {@code maxConcurrentUploads} at once (more
 * are refused with {@link UploadsBusyException}), and appear atomically. Thread-safe.
 */
public final class FunctionStore {
  private static final Logger log = LoggerFactory.getLogger(FunctionStore.class);

  /** Where a guest's files are inside its chamber. */
  public static final String GUEST_DIR = "/opt/guest";

  private final Path dir;
  private final Path staging;
  private final DropIns dropIns;
  private final VersionStager stager;
  private final int maxConcurrentUploads;
  private final int maxFunctions;
  private final Semaphore uploads;
  private final Store store;
  private final Map<FunctionRef, StoredFunction> index = new ConcurrentHashMap<>();
  private final Map<FunctionRef, Object> locks = new ConcurrentHashMap<>();

  /** What {@link #put} did. */
  public record PutResult(StoredFunction function, boolean created) {}

  /**
   * @param dir where functions are stored
   * @param staging scratch space on the same file system as {@code dir}
   * @param dropIns the drop-in directory read as well
   * @param maxArchiveBytes the largest archive accepted
   * @param maxUnpackedBytes the most file content an archive may unpack to
   * @param maxConcurrentUploads how many {@link #put} calls may run at once; at least 1
   * @param store where the versions are recorded
   */
  public FunctionStore(
      Path dir,
      Path staging,
      Path dropIns,
      long maxArchiveBytes,
      long maxUnpackedBytes,
      int maxConcurrentUploads,
      int maxFunctions,
      Store store,
      InstantSource clock) {
    this.maxFunctions = maxFunctions;
    if (maxConcurrentUploads < 1) {
      throw new IllegalArgumentException(
          "maxConcurrentUploads must be at least 1, not " + maxConcurrentUploads);
    }
    this.dir = dir;
    this.staging = staging;
    this.dropIns = new DropIns(dropIns);
    this.stager = new VersionStager(maxArchiveBytes, maxUnpackedBytes, clock);
    this.maxConcurrentUploads = maxConcurrentUploads;
    this.uploads = new Semaphore(maxConcurrentUploads);
    this.store = store;
  }

  /**
   * Loads the stored functions, re-imports version directories the state store does not know,
   * forgets rows whose files are gone, clears the staging space, and imports the drop-ins.
   */
  public void open() {
    try {
      PrivateDirs.make(dir); // tenants' code
      FileTrees.deleteRecursively(staging); // unfinished uploads, deletions already moved out
      PrivateDirs.make(staging);
      index.putAll(new FunctionRecovery(dir, store).recover());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the function store at " + dir, e);
    }
    importDropIns();
  }

  private Path home(FunctionRef ref) {
    return FunctionRecovery.home(dir, ref);
  }

  /** The stored function, importing it from the drop-in directory if it is only there. */
  public Optional<StoredFunction> find(FunctionRef ref) {
    StoredFunction stored = index.get(ref);
    if (stored != null) {
      return Optional.of(stored);
    }
    dropIns.fileFor(ref).ifPresent(file -> importDropIn(ref, file));
    return Optional.ofNullable(index.get(ref));
  }

  /**
   * Whether {@code function} holds exactly the files of the tree {@code guest} (paths, types,
   * permission bits, contents, link targets): a baked image's guest is the same function even
   * though its archive's bytes differ from the upload's.
   */
  public boolean holdsSameFiles(StoredFunction function, Path guest) throws IOException {
    return TreeDigest.of(function.layer().resolve(GUEST_DIR.substring(1)))
        .equals(TreeDigest.of(guest));
  }

  /** Like {@link #find}, but throws {@link UnknownFunctionException}. */
  public StoredFunction require(FunctionRef ref) {
    return find(ref).orElseThrow(() -> new UnknownFunctionException(ref));
  }

  /** Every stored function, by app and version. */
  public List<StoredFunction> list() {
    return index.values().stream()
        .sorted(
            Comparator.comparing((StoredFunction f) -> f.ref().app())
                .thenComparing(f -> f.ref().version()))
        .toList();
  }

  /**
   * Stores the archive read from {@code body}. Throws {@link UploadsBusyException} at once when
   * {@code maxConcurrentUploads} are in flight; {@link FunctionTooLargeException}, {@link
   * InvalidArchiveException}, {@link FunctionConflictException} or {@link DiskFullException} when
   * it cannot be stored. None of them leaves a file.
   */
  public PutResult put(FunctionRef ref, InputStream body) {
    return put(ref, () -> body);
  }

  /**
   * As {@link #put(FunctionRef, InputStream)}, opening the body only once the upload is admitted:
   * an HTTP body opened is a {@code 100 Continue} sent, and a client that waited for it should get
   * a refusal before it sends its archive.
   */
  public PutResult put(FunctionRef ref, java.util.function.Supplier<InputStream> body) {
    requireRoomFor(ref);
    if (!uploads.tryAcquire()) {
      throw new UploadsBusyException(maxConcurrentUploads - uploads.availablePermits());
    }
    try {
      return importArchive(ref, body.get());
    } finally {
      uploads.release();
    }
  }

  /** Refuses a new version when {@code maxFunctions} are stored (a client could fill the disk). */
  private void requireRoomFor(FunctionRef ref) {
    if (!index.containsKey(ref) && index.size() >= maxFunctions) {
      throw new FunctionStoreFullException(maxFunctions);
    }
  }

  /** {@link #put} without taking a place among the uploads: for the operator's drop-ins. */
  private PutResult importArchive(FunctionRef ref, InputStream body) {
    String what = "storing function " + ref;
    Path work;
    try {
      work = Files.createTempDirectory(staging, ref.app() + "-");
    } catch (IOException e) {
      DiskFullException.rethrowIfDiskFull(staging, what, e);
      throw new UncheckedIOException("cannot create a staging directory in " + staging, e);
    }
    try {
      return install(ref, body, work);
    } catch (IOException e) {
      DiskFullException.rethrowIfDiskFull(staging, what, e);
      throw new UncheckedIOException(what + " failed", e);
    } catch (RuntimeException e) {
      if (!(e instanceof InvalidArchiveException || e instanceof FunctionConflictException)) {
        DiskFullException.rethrowIfDiskFull(staging, what, e);
      }
      throw e;
    } finally {
      deleteQuietly(work);
    }
  }

  private PutResult install(FunctionRef ref, InputStream body, Path work) throws IOException {
    VersionStager.Staged staged = stager.stage(body, work);
    Path version = staged.version();
    FunctionMetadata metadata = staged.metadata();
    String digest = metadata.digest();
    synchronized (locks.computeIfAbsent(ref, r -> new Object())) {
      StoredFunction existing = index.get(ref);
      if (existing != null) {
        if (existing.digest().equals(digest)) {
          return new PutResult(existing, false);
        }
        throw new FunctionConflictException(ref);
      }
      requireRoomFor(ref);
      Path home = home(ref);
      if (Files.exists(home, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(
            home
                + " exists but is not a stored function (the daemon's start-up log says why); move"
                + " it away, then upload again");
      }
      Files.createDirectories(home.getParent());
      Files.move(version, home, StandardCopyOption.ATOMIC_MOVE);
      try {
        store.saveFunction(
            new FunctionRow(
                ref.app(),
                ref.version(),
                digest,
                metadata.archiveBytes(),
                metadata.createdTimeMillis()));
      } catch (RuntimeException e) {
        Files.move(home, version, StandardCopyOption.ATOMIC_MOVE);
        removeIfEmpty(home.getParent());
        throw e;
      }
      StoredFunction stored = FunctionRecovery.stored(ref, home, metadata);
      index.put(ref, stored);
      log.info(
          "function {}: stored ({} bytes, sha256 {})",
          ref,
          metadata.archiveBytes(),
          digest.substring(0, 12));
      return new PutResult(stored, true);
    }
  }

  /**
   * Deletes a stored version; false when there was none. The caller makes sure no chamber uses it.
   * The directory is moved out first and the row removed after, so a deletion cut short leaves a
   * row without files (forgotten at start-up), never files without a row (which would come back).
   */
  public boolean delete(FunctionRef ref) {
    synchronized (locks.computeIfAbsent(ref, r -> new Object())) {
      if (!index.containsKey(ref)) {
        return false;
      }
      Path home = home(ref);
      // a rename within the data file system: needs no space, so a full disk can still be freed
      Path parked = staging.resolve("deleted-" + UUID.randomUUID());
      try {
        Files.move(home, parked, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "deleting function " + ref + " failed: cannot move " + home + " out; nothing changed",
            e);
      }
      try {
        store.deleteFunction(ref.app(), ref.version());
      } catch (RuntimeException e) {
        putBack(ref, parked, home, e);
        throw e;
      }
      index.remove(ref);
      deleteQuietly(parked);
      removeIfEmpty(home.getParent());
      log.info("function {}: deleted", ref);
      return true;
    }
  }

  /** The row could not be removed: the version stays, files and all. */
  private void putBack(FunctionRef ref, Path parked, Path home, RuntimeException cause) {
    try {
      Files.move(parked, home, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // its files are in staging, cleared at the next start, which then forgets the row too
      index.remove(ref);
      cause.addSuppressed(e);
      log.error(
          "function {}: its row could not be removed and its files not moved back from {}; it is"
              + " gone",
          ref,
          parked,
          e);
    }
  }

  /** Imports every drop-in archive whose version is not stored yet. */
  public void importDropIns() {
    try {
      for (Map.Entry<FunctionRef, Path> dropIn : dropIns.all()) {
        if (!index.containsKey(dropIn.getKey())) {
          importDropIn(dropIn.getKey(), dropIn.getValue());
        }
      }
    } catch (IOException e) {
      log.warn("cannot read the drop-in directory {}: {}", dropIns.dir(), e.toString());
    }
  }

  private void importDropIn(FunctionRef ref, Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      importArchive(ref, in);
      log.info("function {}: imported from drop-in {}", ref, file);
    } catch (IOException | RuntimeException e) {
      log.warn("function {}: drop-in {} not imported: {}", ref, file, e.getMessage());
    }
  }

  private static void removeIfEmpty(Path app) {
    try (Stream<Path> rest = Files.list(app)) {
      if (rest.findAny().isEmpty()) {
        Files.deleteIfExists(app);
      }
    } catch (IOException e) {
      log.warn("cannot remove the empty directory {}: {}", app, e.toString());
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      FileTrees.deleteRecursively(path);
    } catch (IOException e) {
      log.warn("cannot remove {}: {}", path, e.toString());
    }
  }
}
