package dev.impulse.image;

import dev.impulse.linux.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The baseimages under one directory: each runtime's root file system, built once per recipe digest
 * ({@code os/<runtime>-<digest>/rootfs}) and reused by every chamber, plus the shared skyhook layer
 * ({@code skyhook/<digest>}). A build happens at most once at a time per runtime, also across
 * processes sharing the directory (a file lock), and appears atomically (built aside, then
 * renamed). Thread-safe.
 */
public final class Baseimages {
  private static final Logger log = LoggerFactory.getLogger(Baseimages.class);
  private static final String RECIPE_FILE = "recipe.txt";

  /** Where a runtime's baseimage is. */
  public enum Phase {
    NOT_BUILT,
    BUILDING,
    BUILT,
    FAILED
  }

  /**
   * A runtime's baseimage status.
   *
   * @param detail the last progress line while building, the error after a failure, else empty
   */
  public record Status(RuntimeDefinition runtime, Phase phase, String detail) {}

  private final Path osDir;
  private final Path skyhookDir;
  private final RootfsBuilder builder;
  private final Map<String, CompletableFuture<Baseimage>> builds = new ConcurrentHashMap<>();
  private final Map<String, String> progress = new ConcurrentHashMap<>();
  private final Map<String, String> failures = new ConcurrentHashMap<>();
  private volatile Path skyhookLayer;

  /**
   * One build at a time: mmdebstrap is disk-bound, and two at once on a small machine took 100 s
   * each where one alone takes 35 s.
   */
  private final Semaphore buildSlot = new Semaphore(1);

  public Baseimages(Path dir, RootfsBuilder builder) {
    this.osDir = dir.resolve("os");
    this.skyhookDir = dir.resolve("skyhook");
    this.builder = builder;
  }

  /** The baseimage of {@code runtime} if it is built. */
  public Optional<Baseimage> ifBuilt(RuntimeDefinition runtime) {
    if (runtime.image().isPresent()) { // pulled: its layers are in the layer store
      return Optional.of(new Baseimage(runtime, runtime.image().get().layers(), skyhook()));
    }
    Path home = home(runtime);
    if (Files.isRegularFile(home.resolve(RECIPE_FILE))) {
      return Optional.of(new Baseimage(runtime, home.resolve("rootfs"), skyhook()));
    }
    return Optional.empty();
  }

  /** The status of {@code runtime}'s baseimage. */
  public Status status(RuntimeDefinition runtime) {
    if (builds.containsKey(runtime.name())) {
      return new Status(runtime, Phase.BUILDING, progress.getOrDefault(runtime.name(), ""));
    }
    if (ifBuilt(runtime).isPresent()) {
      return new Status(runtime, Phase.BUILT, "");
    }
    String failure = failures.get(runtime.name());
    return failure == null
        ? new Status(runtime, Phase.NOT_BUILT, "")
        : new Status(runtime, Phase.FAILED, failure);
  }

  /**
   * Returns the baseimage of {@code runtime}, building it first when needed (this takes tens of
   * seconds). Concurrent callers share one build. Throws {@link BaseimageBuildException}.
   */
  public Baseimage ensureBuilt(RuntimeDefinition runtime) {
    return ensureBuilt(runtime, line -> {});
  }

  /**
   * Like {@link #ensureBuilt(RuntimeDefinition)}, also passing each progress line to {@code
   * watcher}.
   */
  public Baseimage ensureBuilt(RuntimeDefinition runtime, Consumer<String> watcher) {
    Optional<Baseimage> built = ifBuilt(runtime);
    if (built.isPresent()) {
      return built.get();
    }
    CompletableFuture<Baseimage> build =
        builds.computeIfAbsent(
            runtime.name(),
            name ->
                CompletableFuture.supplyAsync(
                    () -> build(runtime, watcher), Thread::startVirtualThread));
    try {
      return build.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  private Baseimage build(RuntimeDefinition runtime, Consumer<String> watcher) {
    BaseimageRecipe recipe = new BaseimageRecipe(runtime);
    Path home = home(runtime);
    try {
      Files.createDirectories(osDir);
      try (FileChannel lockFile =
              FileChannel.open(
                  osDir.resolve(".lock-" + runtime.name()),
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE);
          FileLock lock = lockAcross(lockFile)) {
        if (Files.isRegularFile(home.resolve(RECIPE_FILE))) {
          return new Baseimage(runtime, home.resolve("rootfs"), skyhook());
        }
        buildSlot.acquire();
        try {
          return buildLocked(runtime, recipe, home, watcher);
        } finally {
          buildSlot.release();
        }
      }
    } catch (IOException e) {
      fail(runtime, "baseimage " + runtime.name() + " could not be stored: " + e.getMessage());
      throw new BaseimageBuildException(failures.get(runtime.name()), e);
    } catch (BaseimageBuildException e) {
      fail(runtime, e.getMessage());
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BaseimageBuildException("building " + runtime.name() + " was interrupted", e);
    } finally {
      builds.remove(runtime.name());
      progress.remove(runtime.name());
    }
  }

  private Baseimage buildLocked(
      RuntimeDefinition runtime, BaseimageRecipe recipe, Path home, Consumer<String> watcher)
      throws IOException {
    removeLeftovers(runtime);
    Path staging = osDir.resolve(".tmp-" + home.getFileName());
    Files.createDirectories(staging);
    log.info(
        "baseimage {}: building from Debian {} with mmdebstrap (digest {})",
        runtime.name(),
        runtime.suite(),
        recipe.digest());
    long started = System.nanoTime();
    try {
      builder.build(
          recipe,
          staging.resolve("rootfs"),
          line -> {
            progress.put(runtime.name(), line);
            log.info("baseimage {}: {}", runtime.name(), line);
            watcher.accept(line);
          });
      Optional<String> interpreter = runtime.interpreter();
      if (interpreter.isPresent()
          && !Files.isExecutable(
              staging.resolve("rootfs").resolve(interpreter.get().substring(1)))) {
        throw new BaseimageBuildException(
            "baseimage " + runtime.name() + " was built but has no " + interpreter.get());
      }
    } catch (RuntimeException e) {
      FileTrees.deleteRecursively(staging);
      throw e;
    }
    Files.writeString(
        staging.resolve(RECIPE_FILE),
        String.join("\n", recipe.command(Path.of("mmdebstrap"), Path.of("rootfs"))) + "\n");
    Files.move(staging, home, StandardCopyOption.ATOMIC_MOVE);
    log.info(
        "baseimage {}: built in {} s",
        runtime.name(),
        (System.nanoTime() - started) / 1_000_000_000);
    failures.remove(runtime.name());
    return new Baseimage(runtime, home.resolve("rootfs"), skyhook());
  }

  private void fail(RuntimeDefinition runtime, String message) {
    failures.put(runtime.name(), message);
    log.error("baseimage {}: {}", runtime.name(), message);
  }

  /** Removes unfinished builds of this runtime (a crashed build leaves its staging directory). */
  private void removeLeftovers(RuntimeDefinition runtime) throws IOException {
    try (Stream<Path> entries = Files.list(osDir)) {
      for (Path entry : entries.toList()) {
        if (entry.getFileName().toString().startsWith(".tmp-" + runtime.name() + "-")) {
          log.info("baseimage {}: removing unfinished build {}", runtime.name(), entry);
          FileTrees.deleteRecursively(entry);
        }
      }
    }
  }

  /** Takes the build lock, waiting for a build in another process or another instance. */
  private static FileLock lockAcross(FileChannel channel) throws IOException, InterruptedException {
    while (true) {
      try {
        return channel.lock();
      } catch (OverlappingFileLockException heldInThisJvm) {
        Thread.sleep(500);
      }
    }
  }

  private Path home(RuntimeDefinition runtime) {
    return osDir.resolve(runtime.name() + "-" + new BaseimageRecipe(runtime).digest());
  }

  /** The skyhook layer (the wrappers), made on first use. */
  public Path skyhookLayer() {
    return skyhook();
  }

  private Path skyhook() {
    Path layer = skyhookLayer;
    if (layer == null) {
      layer = SkyhookLayer.ensure(skyhookDir);
      skyhookLayer = layer;
    }
    return layer;
  }

  /**
   * What {@link #prune} did.
   *
   * @param removed the directories removed
   * @param inUse the stale ones kept because a mounted overlay uses them
   */
  public record Pruned(List<Path> removed, List<Path> inUse) {}

  /**
   * Removes the root file systems of recipes that are no longer any runtime's (a changed recipe is
   * built anew under a new digest and leaves the old one) and the wrapper layers other than this
   * build's, unless {@code inUse} says an overlay mounted now uses one (a chamber of an earlier
   * daemon or recipe). Unfinished builds are left to their runtime's next build.
   *
   * @param runtimes the runtimes whose current baseimages stay
   */
  public Pruned prune(List<RuntimeDefinition> runtimes, Predicate<Path> inUse) throws IOException {
    Set<Path> current = new HashSet<>();
    runtimes.forEach(r -> current.add(home(r)));
    current.add(SkyhookLayer.ensure(skyhookDir));
    List<Path> removed = new ArrayList<>();
    List<Path> kept = new ArrayList<>();
    for (Path dir : List.of(osDir, skyhookDir)) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> entries = Files.list(dir)) {
        for (Path entry : entries.sorted().toList()) {
          if (entry.getFileName().toString().startsWith(".")
              || !Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)
              || current.contains(entry)) {
            continue;
          }
          // an overlay names a root file system's rootfs/, a wrapper layer itself
          if (inUse.test(entry) || inUse.test(entry.resolve("rootfs"))) {
            kept.add(entry);
          } else {
            log.info("baseimages: removing {}, which no runtime of this build uses", entry);
            FileTrees.deleteRecursively(entry);
            removed.add(entry);
          }
        }
      }
    }
    return new Pruned(removed, kept);
  }

  /** Makes sure the skyhook layer exists now, so the first chamber does not pay for writing it. */
  public void prepare() {
    try {
      Files.createDirectories(osDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + osDir, e);
    }
    skyhook();
  }
}
