package dev.impulse.oci;

import dev.impulse.linux.FileLocks;
import dev.impulse.linux.FileTrees;
import dev.impulse.linux.RootedDir;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The content-addressed store of unpacked layers, shared by all chambers: each layer is unpacked
 * once (by {@link LayerUnpacker}, whose javadoc has the safety rules), named by its blob's digest,
 * and never changed after; a chamber's overlay stacks the {@link StoredLayer#root} trees.
 *
 * <pre>
 * &lt;dir&gt;/                      0700: layers hold files private to their image's users
 *   sha256/&lt;hex&gt;/layer.json     digest, diffID, media type, size, unpacked bytes
 *   sha256/&lt;hex&gt;/fs/           the unpacked tree, an overlayfs lower layer
 *   tmp/&lt;hex&gt;-&lt;random&gt;/        unpacks under way, and layers being removed
 *   locks/&lt;hex&gt;                 one lock file per digest, for processes sharing the directory
 * </pre>
 *
 * The tree is one level down so that the metadata is not a file of the image. A layer appears
 * atomically: it is unpacked into {@code tmp/}, verified, written to disk (syncfs) and only then
 * renamed into {@code sha256/}; on any failure its staging directory is removed, and leftovers of a
 * crash go at the next unpack or removal of the same digest.
 *
 * <p>Not yet here: the store counts no users of a layer. Reference counting (which images name a
 * layer, which chambers stack it) and pruning belong to the image store that will sit above this
 * one and call {@link #remove} when a layer is no longer named.
 *
 * <p>Thread-safe: concurrent {@link #ensure} calls for one digest share one unpack, also across
 * processes (a file lock per digest); different digests unpack in parallel.
 */
public final class LayerStore {
  private static final Logger log = LoggerFactory.getLogger(LayerStore.class);
  private static final String TREE = "fs";
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  private final Path layers;
  private final Path tmp;
  private final Path locks;
  private final LayerUnpacker unpacker;
  private final Map<Digest, CompletableFuture<StoredLayer>> unpacks = new ConcurrentHashMap<>();

  private LayerStore(Path dir, LayerLimits limits) {
    this.layers = dir.resolve("sha256");
    this.tmp = dir.resolve("tmp");
    this.locks = dir.resolve("locks");
    this.unpacker = new LayerUnpacker(limits);
  }

  /** Opens the store in {@code dir}, making it (mode 0700) and its subdirectories if needed. */
  public static LayerStore open(Path dir, LayerLimits limits) throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    LayerStore store = new LayerStore(dir, limits);
    for (Path sub : List.of(store.layers, store.tmp, store.locks)) {
      Files.createDirectories(sub);
    }
    return store;
  }

  /**
   * The layer {@code digest}, unpacked from {@code source} first if the store does not have it.
   * Throws {@link InvalidLayerException} when the blob is refused (nothing of it is kept), and
   * {@link IOException} when the source or the store's disk fails.
   */
  public StoredLayer ensure(Digest digest, LayerMediaType mediaType, BlobSource source)
      throws IOException {
    Optional<StoredLayer> stored = find(digest);
    if (stored.isPresent()) {
      return stored.get();
    }
    CompletableFuture<StoredLayer> mine = new CompletableFuture<>();
    CompletableFuture<StoredLayer> running = unpacks.putIfAbsent(digest, mine);
    if (running != null) {
      return await(running);
    }
    try {
      StoredLayer layer = unpackLocked(digest, mediaType, source);
      mine.complete(layer);
      return layer;
    } catch (Throwable e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      unpacks.remove(digest, mine);
    }
  }

  /** The layer {@code digest} if the store has it. */
  public Optional<StoredLayer> find(Digest digest) throws IOException {
    Path home = layers.resolve(digest.hex());
    if (!Files.isRegularFile(home.resolve(LayerMetadata.FILE_NAME), LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    StoredLayer layer;
    try {
      layer = LayerMetadata.read(home).toLayer(home.resolve(TREE));
    } catch (IllegalArgumentException | UnsupportedLayerException e) {
      throw new IOException("the metadata of " + home + " is invalid: " + e.getMessage(), e);
    }
    if (!layer.digest().equals(digest)) {
      throw new IOException("the metadata of " + home + " names another layer: " + layer.digest());
    }
    return Optional.of(layer);
  }

  /** Every stored layer, by digest; one whose metadata cannot be read is logged and left out. */
  public List<StoredLayer> layers() throws IOException {
    List<StoredLayer> found = new ArrayList<>();
    try (Stream<Path> entries = Files.list(layers)) {
      for (Path entry : entries.toList()) {
        String name = entry.getFileName().toString();
        if (!HEX.matcher(name).matches()) {
          continue;
        }
        try {
          find(new Digest(name)).ifPresent(found::add);
        } catch (IOException e) {
          log.warn("layer store: {} is left out: {}", entry, e.getMessage());
        }
      }
    }
    found.sort(Comparator.comparing(layer -> layer.digest().hex()));
    return found;
  }

  /**
   * Removes the layer {@code digest}; false when the store does not have it. The store does not
   * know who stacks a layer: the caller must (see the class comment).
   */
  public boolean remove(Digest digest) throws IOException {
    try (FileChannel channel = lockFile(digest);
        FileLock lock = FileLocks.lockAcross(channel, "a layer's lock")) {
      Path home = layers.resolve(digest.hex());
      if (!Files.exists(home, LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
      Path doomed = tmp.resolve(digest.hex() + "-removed-" + UUID.randomUUID());
      Files.move(home, doomed, StandardCopyOption.ATOMIC_MOVE);
      FileTrees.deleteRecursively(doomed);
      log.info("layer {}: removed", digest.shortHex());
      return true;
    }
  }

  /** The file content of all stored layers, as their metadata records it. */
  public long sizeBytes() throws IOException {
    return layers().stream().mapToLong(StoredLayer::unpackedBytes).sum();
  }

  private StoredLayer unpackLocked(Digest digest, LayerMediaType mediaType, BlobSource source)
      throws IOException {
    try (FileChannel channel = lockFile(digest);
        FileLock lock = FileLocks.lockAcross(channel, "a layer's lock")) {
      Optional<StoredLayer> stored = find(digest); // another process may have unpacked it
      if (stored.isPresent()) {
        return stored.get();
      }
      removeLeftovers(digest);
      Path staging = Files.createDirectory(tmp.resolve(digest.hex() + "-" + UUID.randomUUID()));
      try {
        Path tree = Files.createDirectory(staging.resolve(TREE));
        Files.setPosixFilePermissions(tree, PosixFilePermissions.fromString("rwxr-xr-x"));
        long started = System.nanoTime();
        UnpackedLayer unpacked;
        try (InputStream blob = source.open()) {
          unpacked = unpacker.unpack(blob, mediaType, digest, tree);
        }
        LayerMetadata.of(unpacked, mediaType).write(staging);
        try (RootedDir dir = RootedDir.open(staging)) {
          dir.syncFileSystem(); // durable before it is visible: it is never checked again
        }
        Path home = layers.resolve(digest.hex());
        Files.move(staging, home, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(layers);
        log.info(
            "layer {}: unpacked {} entries, {} bytes of files, in {} ms",
            digest.shortHex(),
            unpacked.entries(),
            unpacked.unpackedBytes(),
            (System.nanoTime() - started) / 1_000_000);
        return find(digest).orElseThrow();
      } catch (Throwable e) {
        removeQuietly(staging, e);
        throw e;
      }
    }
  }

  /** Removes what a crashed unpack or removal of {@code digest} left; called under its lock. */
  private void removeLeftovers(Digest digest) throws IOException {
    try (Stream<Path> entries = Files.list(tmp)) {
      for (Path entry : entries.toList()) {
        if (entry.getFileName().toString().startsWith(digest.hex() + "-")) {
          log.info("layer {}: removing the leftover {}", digest.shortHex(), entry);
          FileTrees.deleteRecursively(entry);
        }
      }
    }
  }

  private static void removeQuietly(Path staging, Throwable failure) {
    try {
      FileTrees.deleteRecursively(staging);
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e); // the next unpack of this digest removes it
    }
  }

  private FileChannel lockFile(Digest digest) throws IOException {
    return FileChannel.open(
        locks.resolve(digest.hex()), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }

  /** Makes a rename in {@code dir} durable. */
  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  private static StoredLayer await(CompletableFuture<StoredLayer> running) throws IOException {
    try {
      return running.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw new IOException(io.getMessage(), io);
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }
}
