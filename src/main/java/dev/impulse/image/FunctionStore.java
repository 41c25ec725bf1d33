package dev.impulse.image;

import dev.impulse.linux.FileTrees;
import dev.impulse.linux.RootedDir;
import dev.impulse.linux.RootedDir.FileType;
import dev.impulse.linux.RootedDir.Resolution;
import dev.impulse.store.FunctionRow;
import dev.impulse.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The uploaded functions: each version unpacked once into {@code <dir>/<app>/<version>/layer} (the
 * guest at {@link #GUEST_DIR} inside it, ready to be an overlay layer), with its metadata in the
 * state store. A version exists when its row does: the row is written after the directory is in
 * place and removed before the directory goes, and at start-up directories without a row (an upload
 * or deletion cut short) are removed. Versions are immutable: uploading the same archive again
 * changes nothing, different content is refused. Archives dropped into the drop-in directory as
 * {@code <app>-<version>.tar} (or {@code .tar.gz}, {@code .tgz}) are imported too. Uploads are
 * spooled and unpacked aside and appear atomically. Thread-safe.
 */
public final class FunctionStore {
  private static final Logger log = LoggerFactory.getLogger(FunctionStore.class);

  /** Where a guest's files are inside its chamber. */
  public static final String GUEST_DIR = "/opt/guest";

  static final List<String> DROP_IN_SUFFIXES = List.of(".tar", ".tar.gz", ".tgz");

  private final Path dir;
  private final Path staging;
  private final Path dropIns;
  private final long maxArchiveBytes;
  private final long maxUnpackedBytes;
  private final Store store;
  private final InstantSource clock;
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
   * @param store where the versions are recorded
   */
  public FunctionStore(
      Path dir,
      Path staging,
      Path dropIns,
      long maxArchiveBytes,
      long maxUnpackedBytes,
      Store store,
      InstantSource clock) {
    this.dir = dir;
    this.staging = staging;
    this.dropIns = dropIns;
    this.maxArchiveBytes = maxArchiveBytes;
    this.maxUnpackedBytes = maxUnpackedBytes;
    this.store = store;
    this.clock = clock;
  }

  /**
   * Loads the stored functions, removes what unfinished uploads and deletions left, forgets rows
   * whose files are gone, and imports the drop-ins.
   */
  public void open() {
    try {
      Files.createDirectories(dir);
      FileTrees.deleteRecursively(staging);
      Files.createDirectories(staging);
      for (FunctionRow row : store.functions()) {
        FunctionRef ref = new FunctionRef(row.app(), row.version());
        Path layer = home(ref).resolve("layer");
        if (Files.isDirectory(layer.resolve(GUEST_DIR.substring(1)), LinkOption.NOFOLLOW_LINKS)) {
          index.put(
              ref,
              new StoredFunction(
                  ref, row.digest(), row.archiveBytes(), row.createdTimeMillis(), layer));
        } else {
          log.warn("function {}: its files are gone; forgetting it", ref);
          store.deleteFunction(ref.app(), ref.version());
        }
      }
      try (Stream<Path> apps = Files.list(dir)) {
        for (Path app : apps.toList()) {
          try (Stream<Path> versions = Files.list(app)) {
            for (Path version : versions.toList()) {
              if (!isIndexed(app, version)) {
                log.info("removing {}: an upload or deletion that did not finish", version);
                FileTrees.deleteRecursively(version);
              }
            }
          }
          removeIfEmpty(app);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the function store at " + dir, e);
    }
    importDropIns();
  }

  private boolean isIndexed(Path app, Path version) {
    return index.keySet().stream()
        .anyMatch(ref ->
            ref.app().equals(app.getFileName().toString())
                && ref.version().equals(version.getFileName().toString()));
  }

  private Path home(FunctionRef ref) {
    return dir.resolve(ref.app()).resolve(ref.version());
  }

  private static void removeIfEmpty(Path app) throws IOException {
    try (Stream<Path> rest = Files.list(app)) {
      if (rest.findAny().isEmpty()) {
        Files.deleteIfExists(app);
      }
    }
  }

  /** The stored function, importing it from the drop-in directory if it is only there. */
  public Optional<StoredFunction> find(FunctionRef ref) {
    StoredFunction stored = index.get(ref);
    if (stored != null) {
      return Optional.of(stored);
    }
    dropInFor(ref).ifPresent(file -> importDropIn(ref, file));
    return Optional.ofNullable(index.get(ref));
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
   * Stores the archive read from {@code body}. Throws {@link FunctionTooLargeException}, {@link
   * InvalidArchiveException} or {@link FunctionConflictException}; none of them leaves a file.
   */
  public PutResult put(FunctionRef ref, InputStream body) {
    Path work;
    try {
      work = Files.createTempDirectory(staging, ref.app() + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a staging directory in " + staging, e);
    }
    try {
      Path archive = work.resolve("archive");
      long[] size = new long[1];
      String digest = spool(body, archive, size);
      Path guest = work.resolve("unpacked");
      Files.createDirectories(guest);
      try (InputStream in = Files.newInputStream(archive)) {
        FunctionArchive.extract(in, guest.toAbsolutePath(), maxUnpackedBytes);
      }
      Path layer = work.resolve("version").resolve("layer");
      Path target = layer.resolve(GUEST_DIR.substring(1));
      Files.createDirectories(target.getParent());
      Files.move(functionRoot(guest), target);
      long now = clock.millis();
      synchronized (locks.computeIfAbsent(ref, r -> new Object())) {
        StoredFunction existing = index.get(ref);
        if (existing != null) {
          if (existing.digest().equals(digest)) {
            return new PutResult(existing, false);
          }
          throw new FunctionConflictException(ref);
        }
        Path home = home(ref);
        Files.createDirectories(home.getParent());
        Files.move(work.resolve("version"), home, StandardCopyOption.ATOMIC_MOVE);
        try {
          store.saveFunction(new FunctionRow(ref.app(), ref.version(), digest, size[0], now));
        } catch (RuntimeException e) {
          Files.move(home, work.resolve("version"), StandardCopyOption.ATOMIC_MOVE);
          throw e;
        }
        StoredFunction stored =
            new StoredFunction(ref, digest, size[0], now, home.resolve("layer"));
        index.put(ref, stored);
        log.info(
            "function {}: stored ({} bytes, sha256 {})", ref, size[0], digest.substring(0, 12));
        return new PutResult(stored, true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("storing function " + ref + " failed", e);
    } finally {
      deleteQuietly(work);
    }
  }

  /**
   * Deletes a stored version; false when there was none. The caller makes sure no chamber uses it.
   */
  public boolean delete(FunctionRef ref) {
    synchronized (locks.computeIfAbsent(ref, r -> new Object())) {
      if (!index.containsKey(ref)) {
        return false;
      }
      store.deleteFunction(ref.app(), ref.version());
      index.remove(ref);
      Path home = home(ref);
      try {
        Path doomed = Files.createTempDirectory(staging, "deleted-");
        Files.move(home, doomed.resolve("version"), StandardCopyOption.ATOMIC_MOVE);
        deleteQuietly(doomed);
        removeIfEmpty(home.getParent());
      } catch (IOException e) {
        throw new UncheckedIOException("deleting function " + ref + " failed", e);
      }
      log.info("function {}: deleted", ref);
      return true;
    }
  }

  /** Imports every drop-in archive whose version is not stored yet. */
  public void importDropIns() {
    if (!Files.isDirectory(dropIns)) {
      return;
    }
    try (Stream<Path> files = Files.list(dropIns)) {
      for (Path file : files.sorted().toList()) {
        parseDropInName(file.getFileName().toString())
            .filter(ref -> !index.containsKey(ref))
            .ifPresent(ref -> importDropIn(ref, file));
      }
    } catch (IOException e) {
      log.warn("cannot read the drop-in directory {}: {}", dropIns, e.toString());
    }
  }

  private void importDropIn(FunctionRef ref, Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      put(ref, in);
      log.info("function {}: imported from drop-in {}", ref, file);
    } catch (IOException | RuntimeException e) {
      log.warn("function {}: drop-in {} not imported: {}", ref, file, e.getMessage());
    }
  }

  private Optional<Path> dropInFor(FunctionRef ref) {
    for (String suffix : DROP_IN_SUFFIXES) {
      Path file = dropIns.resolve(ref.app() + "-" + ref.version() + suffix);
      if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        return Optional.of(file);
      }
    }
    return Optional.empty();
  }

  /**
   * Splits a drop-in file name {@code <app>-<version>.tar} at the first '-' followed by a digit:
   * {@code my-app-1.0.0-rc1.tar} is app {@code my-app}, version {@code 1.0.0-rc1}.
   */
  static Optional<FunctionRef> parseDropInName(String fileName) {
    for (String suffix : DROP_IN_SUFFIXES) {
      if (fileName.endsWith(suffix)) {
        String stem = fileName.substring(0, fileName.length() - suffix.length());
        for (int i = 1; i < stem.length() - 1; i++) {
          if (stem.charAt(i) == '-' && Character.isDigit(stem.charAt(i + 1))) {
            try {
              return Optional.of(new FunctionRef(stem.substring(0, i), stem.substring(i + 1)));
            } catch (InvalidNameException e) {
              return Optional.empty();
            }
          }
        }
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /**
   * The guest's directory inside what was unpacked: the archive's root when it has {@code main.py},
   * or its single top-level directory when that one has it ({@code tar czf f.tgz myfunc/}). Asked
   * through a {@link RootedDir}: {@code main.py} may be a link, but only to a file inside.
   */
  private static Path functionRoot(Path unpacked) {
    try (RootedDir root = RootedDir.open(unpacked)) {
      if (root.follow("main.py") == Resolution.FILE) {
        return unpacked;
      }
      List<String> top = root.list(".");
      if (top.size() == 1
          && root.stat(top.getFirst()).map(s -> s.type() == FileType.DIRECTORY).orElse(false)
          && root.follow(top.getFirst() + "/main.py") == Resolution.FILE) {
        Path guest = unpacked.resolve(top.getFirst());
        // its links were checked against the archive's root; the guest's own root is one lower
        try (RootedDir guestRoot = RootedDir.open(guest)) {
          new LinkCheck(guestRoot, top.getFirst() + "/").requireAllInside();
        }
        return guest;
      }
    }
    throw new InvalidArchiveException(
        "the archive has no main.py at its top (nor in a single top-level directory); a Python"
            + " guest is a directory with main.py defining skyhook(request, meta)");
  }

  private String spool(InputStream body, Path archive, long[] size) throws IOException {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
    try (OutputStream out = new DigestOutputStream(Files.newOutputStream(archive), sha256)) {
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = body.read(buffer)) > 0) {
        size[0] += n;
        if (size[0] > maxArchiveBytes) {
          throw new FunctionTooLargeException(maxArchiveBytes);
        }
        out.write(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha256.digest());
  }

  private static void deleteQuietly(Path path) {
    try {
      FileTrees.deleteRecursively(path);
    } catch (IOException e) {
      log.warn("cannot remove {}: {}", path, e.toString());
    }
  }
}
