package dev.impulse.oci.build;

import dev.impulse.linux.FileLocks;
import dev.impulse.linux.FileTrees;
import dev.impulse.oci.Digest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Layer blobs kept under a key the caller chooses ({@code "baseimage python3.11-<recipe digest>"}),
 * so that a runtime's root file system, the biggest layer of every baked image, is written once and
 * reused by every bake that names the same key. The key must change whenever what it names does:
 * the cache never looks at the tree again.
 *
 * <pre>
 * &lt;dir&gt;/                      0700
 *   entries/&lt;sha256(key)&gt;/      one entry: entry.json (key, descriptor, diffID), layer.tar.gz
 *   tmp/&lt;sha256(key)&gt;-&lt;random&gt;/  writes under way, and entries being removed
 *   locks/&lt;sha256(key)&gt;          one lock file per key, for processes sharing the directory
 * </pre>
 *
 * An entry appears atomically: its blob is written into {@code tmp/}, the index beside it, both
 * synced, and the directory is then renamed into {@code entries/}; a failed write leaves nothing
 * (and what a crash left goes at the next write or removal of the same key). Entries survive
 * restarts: the index is read again, the blob's size checked, its content trusted (a registry and
 * any unpacker verify the digest).
 *
 * <p>Disk use is bounded by the caller, who knows which keys are still wanted: {@link #sizeBytes}
 * says how much the entries take, {@link #entries} lists them, and {@link #remove} deletes one. The
 * cache counts no users: remove only what no bake is reading.
 *
 * <p>Thread-safe: concurrent {@link #ensure} calls for one key write it once (the others wait and
 * take the result), also across instances and processes (a file lock per key); different keys are
 * written in parallel.
 */
public final class LayerCache {
  static final String BLOB_NAME = "layer.tar.gz";

  private static final Logger log = LoggerFactory.getLogger(LayerCache.class);
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
  private static final int MAX_KEY_LENGTH = 1024;

  private final Path entries;
  private final Path tmp;
  private final Path locks;
  private final Map<String, ReentrantLock> keyLocks = new ConcurrentHashMap<>();

  /** Writes a layer blob into the new file it is given, as {@link LayerWriter#write} does. */
  @FunctionalInterface
  public interface BlobWriter {
    /** Writes the blob into {@code file}, which does not exist yet, and says what it wrote. */
    LayerBlob write(Path file) throws IOException;
  }

  /**
   * One entry of the cache.
   *
   * @param key the caller's key
   * @param blob the layer blob, in the cache's directory
   */
  public record Entry(String key, LayerBlob blob) {}

  private LayerCache(Path dir) {
    this.entries = dir.resolve("entries");
    this.tmp = dir.resolve("tmp");
    this.locks = dir.resolve("locks");
  }

  /** Opens the cache in {@code dir}, making it (mode 0700) and its subdirectories if needed. */
  public static LayerCache open(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    LayerCache cache = new LayerCache(dir);
    for (Path sub : List.of(cache.entries, cache.tmp, cache.locks)) {
      Files.createDirectories(sub);
    }
    return cache;
  }

  /**
   * The blob kept under {@code key}; when there is none, {@code writer} writes it first (into a
   * file the cache gives it). An exception of the writer is thrown as it is, and nothing is kept.
   */
  public LayerBlob ensure(String key, BlobWriter writer) throws IOException {
    String name = nameOf(key);
    Optional<LayerBlob> found = findQuietly(key);
    if (found.isPresent()) {
      return found.get();
    }
    return locked(
        name,
        () -> {
          Optional<LayerBlob> meanwhile = findQuietly(key); // another thread or process wrote it
          if (meanwhile.isPresent()) {
            return meanwhile.get();
          }
          discard(name); // an entry that cannot be read is written again
          return write(key, name, writer);
        });
  }

  private Optional<LayerBlob> findQuietly(String key) {
    try {
      return find(key);
    } catch (IOException e) {
      log.warn("layer cache: writing '{}' again: {}", key, e.getMessage());
      return Optional.empty();
    }
  }

  /** The blob kept under {@code key}, if there is one. */
  public Optional<LayerBlob> find(String key) throws IOException {
    Path home = entries.resolve(nameOf(key));
    if (!Files.isDirectory(home, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    CacheIndex index = CacheIndex.read(home);
    if (!index.key().equals(key)) {
      throw new IOException(
          "the layer cache's entry "
              + home
              + " is of the key '"
              + index.key()
              + "', not '"
              + key
              + "': remove the directory");
    }
    return Optional.of(checked(home, index));
  }

  /** Every entry, by key; one that cannot be read is logged and left out. */
  public List<Entry> entries() throws IOException {
    List<Entry> found = new ArrayList<>();
    try (Stream<Path> homes = Files.list(entries)) {
      for (Path home : homes.toList()) {
        if (!HEX.matcher(home.getFileName().toString()).matches()) {
          continue;
        }
        try {
          CacheIndex index = CacheIndex.read(home);
          found.add(new Entry(index.key(), checked(home, index)));
        } catch (IOException e) {
          log.warn("layer cache: {} is left out: {}", home, e.getMessage());
        }
      }
    }
    found.sort(Comparator.comparing(Entry::key));
    return found;
  }

  /** The bytes of all entries' blobs. */
  public long sizeBytes() throws IOException {
    return entries().stream().mapToLong(entry -> entry.blob().size()).sum();
  }

  /**
   * Removes the entry of {@code key}; false when there is none. A blob file someone has open stays
   * readable to them until they close it.
   */
  public boolean remove(String key) throws IOException {
    String name = nameOf(key);
    boolean removed = locked(name, () -> discard(name));
    if (removed) {
      log.info("layer cache: removed '{}'", key);
    }
    return removed;
  }

  /** Removes the entry named {@code name}, and any leftovers; called under its lock. */
  private boolean discard(String name) throws IOException {
    removeLeftovers(name);
    Path home = entries.resolve(name);
    if (!Files.exists(home, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    Path doomed = tmp.resolve(name + "-removed-" + UUID.randomUUID());
    Files.move(home, doomed, StandardCopyOption.ATOMIC_MOVE);
    FileTrees.deleteRecursively(doomed);
    return true;
  }

  private LayerBlob write(String key, String name, BlobWriter writer) throws IOException {
    Path staging = Files.createDirectory(tmp.resolve(name + "-" + UUID.randomUUID()));
    try {
      Path file = staging.resolve(BLOB_NAME);
      LayerBlob blob = writer.write(file);
      if (!file.equals(blob.file())) {
        throw new IOException(
            "the writer of layer cache key '"
                + key
                + "' says it wrote "
                + blob.file()
                + ", not the file it was given, "
                + file);
      }
      CacheIndex index = CacheIndex.of(key, blob);
      checked(staging, index);
      try (FileChannel written = FileChannel.open(file, StandardOpenOption.WRITE)) {
        written.force(false); // durable before it is visible, whoever wrote it
      }
      index.write(staging);
      sync(staging);
      Path home = entries.resolve(name);
      Files.move(staging, home, StandardCopyOption.ATOMIC_MOVE);
      sync(entries);
      log.info("layer cache: '{}' is layer {} ({} bytes)", key, blob.digest(), blob.size());
      return blob.movedTo(home.resolve(BLOB_NAME));
    } catch (IOException | RuntimeException | Error e) {
      try {
        FileTrees.deleteRecursively(staging);
      } catch (IOException | RuntimeException suppressed) {
        e.addSuppressed(suppressed); // the next write of the key removes it
      }
      throw e;
    }
  }

  /** The blob of the entry in {@code home}, once its file is there with the size it should have. */
  private static LayerBlob checked(Path home, CacheIndex index) throws IOException {
    Path file = home.resolve(BLOB_NAME);
    LayerBlob blob = index.blob(file);
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) != blob.size()) {
      throw new IOException(
          "the layer cache's blob "
              + file
              + " is missing or not "
              + blob.size()
              + " bytes as its index says: remove the key '"
              + index.key()
              + "' and write it again");
    }
    return blob;
  }

  /** Removes what a crashed write or removal of the key named {@code name} left. */
  private void removeLeftovers(String name) throws IOException {
    try (Stream<Path> staged = Files.list(tmp)) {
      for (Path leftover : staged.toList()) {
        if (leftover.getFileName().toString().startsWith(name + "-")) {
          log.info("layer cache: removing the leftover {}", leftover);
          FileTrees.deleteRecursively(leftover);
        }
      }
    }
  }

  /** What runs under a key's lock. */
  private interface Locked<T> {
    T run() throws IOException;
  }

  /** Runs {@code body} holding the key's lock in this instance and its file lock. */
  private <T> T locked(String name, Locked<T> body) throws IOException {
    ReentrantLock lock = keyLocks.computeIfAbsent(name, n -> new ReentrantLock());
    try {
      lock.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for a layer cache key's lock");
    }
    try (FileChannel channel =
            FileChannel.open(
                locks.resolve(name), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = FileLocks.lockAcross(channel, "a layer cache key's lock")) {
      return body.run();
    } finally {
      lock.unlock();
    }
  }

  private static void sync(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /** The hash of {@code key} that names its files. */
  private static String nameOf(String key) {
    if (key == null || key.isBlank() || key.length() > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException(
          "a layer cache key must be 1 to " + MAX_KEY_LENGTH + " characters, not blank: " + key);
    }
    if (key.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "a layer cache key cannot hold control characters: '" + key.strip() + "'");
    }
    return Digest.of(key.getBytes(StandardCharsets.UTF_8)).hex();
  }
}
