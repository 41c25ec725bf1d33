package dev.impulse.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtimes pulled from registries ({@code PUT /runtimes/{name}}): the one owner of their state.
 * A put starts a pull in the background and answers at once; {@code GET /runtimes} shows its
 * progress. While a runtime is pulled again (a new image or language), chambers keep getting the
 * one pulled before, until the new one is ready. Each pull has a number: the result of a pull that
 * a later put replaced is dropped. Pulled runtimes survive restarts ({@link PulledRuntimeRecord});
 * a pull that did not finish is forgotten. Thread-safe.
 *
 * <p>Bounds: at most {@value #MAX_RUNTIMES} pulled runtimes, and {@value #PARALLEL_PULLS} pulls at
 * a time (the others wait their turn, shown as such).
 */
public final class PulledRuntimes {
  private static final Logger log = LoggerFactory.getLogger(PulledRuntimes.class);
  public static final int MAX_RUNTIMES = 32;

  /** The probes' directory in {@code dir}: no record is named so ({@code .json}). */
  private static final String PROBES = "probes";

  static final int PARALLEL_PULLS = 2;

  /** Where a pulled runtime is. */
  public enum Phase {
    PULLING,
    PULLED,
    FAILED
  }

  /**
   * A pulled runtime as the API shows it.
   *
   * @param image the reference last put, canonical
   * @param detail progress while pulling, the error after a failure, else empty
   * @param runtime what chambers get now: the last runtime pulled, if any
   */
  public record Status(
      String name,
      Language language,
      String image,
      Phase phase,
      String detail,
      Optional<RuntimeDefinition> runtime) {}

  /** A put's answer: the runtime's status and whether the put made it or changed it. */
  public record Answer(Status status, boolean created, boolean changed) {}

  private final Path dir;
  private final RuntimePuller puller;
  private final InterpreterProbe probe;
  private final Supplier<Path> skyhook;
  private final Set<String> reserved;
  private final Semaphore pulls = new Semaphore(PARALLEL_PULLS);
  private final java.util.concurrent.Executor runner;
  private final java.util.function.Consumer<String> requireSpace;
  private final Set<String> queued = new HashSet<>();
  private final LayerUse use = new LayerUse();

  private final Map<String, Status> statuses = new LinkedHashMap<>();
  private final Map<String, PullRequest> requests = new LinkedHashMap<>();
  private final Map<String, Long> generations = new LinkedHashMap<>();
  private long nextGeneration;

  /**
   * The pulled runtimes recorded in {@code dir} (made if missing). {@code reserved} are the
   * built-in runtimes' names and aliases, which a pulled runtime cannot take; {@code skyhook} gives
   * the wrapper layer the interpreter probe stacks on top; {@code requireSpace} throws when the
   * data file system is too full to pull ({@code store.SpaceCheck}).
   */
  public PulledRuntimes(
      Path dir,
      RuntimePuller puller,
      Supplier<Path> skyhook,
      Set<String> reserved,
      java.util.function.Consumer<String> requireSpace)
      throws IOException {
    this(
        dir,
        puller,
        skyhook,
        reserved,
        requireSpace,
        pull -> Thread.ofVirtual().name("pull").start(pull));
  }

  /** Like the public constructor, running each pull on {@code runner} (tests run it inline). */
  PulledRuntimes(
      Path dir,
      RuntimePuller puller,
      Supplier<Path> skyhook,
      Set<String> reserved,
      java.util.function.Consumer<String> requireSpace,
      java.util.concurrent.Executor runner)
      throws IOException {
    this.runner = runner;
    this.requireSpace = requireSpace;
    this.dir = dir;
    this.puller = puller;
    this.skyhook = skyhook;
    this.reserved = Set.copyOf(reserved);
    Files.createDirectories(dir);
    Path probes = Files.createDirectories(dir.resolve(PROBES));
    InterpreterProbe.removeLeftovers(probes); // mount points a crash during a probe left
    this.probe = new InterpreterProbe(probes);
    load();
  }

  private void load() throws IOException {
    for (Status status : PulledRuntimeRecord.loadAll(dir)) {
      statuses.put(status.name(), status);
      requests.put(
          status.name(),
          new PullRequest(
              status.name(),
              status.language(),
              status.image(),
              status.runtime().flatMap(RuntimeDefinition::interpreter)));
    }
  }

  /**
   * Pulls {@code image} as runtime {@code name} of {@code language}, in the background; answers at
   * once. Putting what is already pulled or being pulled changes nothing.
   */
  public synchronized Answer put(
      String name, String language, String image, Optional<String> interpreter) {
    // the language and the names are checked before the reference costs anything
    PullRequest.of(name, language, image, interpreter, reserved);
    PullRequest request =
        PullRequest.of(name, language, puller.canonical(image), interpreter, reserved);
    Language lang = request.language();
    Status current = statuses.get(name);
    if (current != null && request.equals(requests.get(name)) && current.phase() != Phase.FAILED) {
      return new Answer(current, false, false);
    }
    if (current == null && statuses.size() >= MAX_RUNTIMES) {
      throw new RuntimeConflictException(
          "this node has "
              + MAX_RUNTIMES
              + " pulled runtimes, its most; DELETE /runtimes/{name} one it no longer needs");
    }
    long generation = ++nextGeneration;
    requests.put(name, request);
    generations.put(name, generation);
    Optional<RuntimeDefinition> serving = current == null ? Optional.empty() : current.runtime();
    Status pulling =
        new Status(name, lang, request.image(), Phase.PULLING, "waiting to pull", serving);
    statuses.put(name, pulling);
    if (queued.add(name)) { // at most one pull waits per name; it takes the latest request
      runner.execute(() -> pullLatest(name));
    }
    return new Answer(pulling, current == null, current != null);
  }

  /** Waits for a pull slot, then pulls what was last put for {@code name}, if anything. */
  private void pullLatest(String name) {
    try {
      pulls.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    try {
      PullRequest request;
      long generation;
      synchronized (this) {
        queued.remove(name);
        request = requests.get(name);
        Long current = generations.get(name);
        if (request == null || current == null) {
          return; // deleted while it waited
        }
        generation = current;
      }
      pull(request, generation);
    } finally {
      pulls.release();
    }
  }

  private void pull(PullRequest request, long generation) {
    use.storing(() -> pullStoring(request, generation));
  }

  private Void pullStoring(PullRequest request, long generation) {
    try {
      requireSpace.accept("pulling runtime " + request.name() + " from " + request.image());
      long started = System.nanoTime();
      RuntimeImage image =
          puller.pull(request.image(), line -> progress(request.name(), generation, line));
      Optional<String> interpreter =
          probe.find(request.language(), image, skyhook.get(), request.interpreter());
      RuntimeDefinition runtime =
          RuntimeDefinition.pulled(request.name(), request.language(), interpreter, image);
      synchronized (this) {
        if (!isCurrent(request.name(), generation)) {
          return null;
        }
        PulledRuntimeRecord.of(runtime).write(dir);
        statuses.get(request.name()).runtime().ifPresent(use::retire);
        statuses.put(
            request.name(),
            new Status(
                request.name(),
                request.language(),
                request.image(),
                Phase.PULLED,
                "",
                Optional.of(runtime)));
      }
      log.info(
          "runtime {}: pulled {} ({} layers, interpreter {}) in {} ms",
          request.name(),
          request.image(),
          image.layers().size(),
          interpreter.orElse("none"),
          (System.nanoTime() - started) / 1_000_000);
    } catch (IOException | RuntimeException e) {
      String message =
          e instanceof IOException
              ? "its record could not be written: " + e.getMessage()
              : e.getMessage();
      log.warn("runtime {}: pulling {} failed: {}", request.name(), request.image(), message);
      synchronized (this) {
        if (isCurrent(request.name(), generation)) {
          Status before = statuses.get(request.name());
          statuses.put(
              request.name(),
              new Status(
                  request.name(),
                  request.language(),
                  request.image(),
                  Phase.FAILED,
                  message,
                  before.runtime()));
        }
      }
    }
    return null;
  }

  /** Names that {@link #register} gives and a put may not take. */
  public static final String IMAGE_PREFIX = "image-";

  /**
   * Runs {@code pull}, which stores layers and then {@link #register}s them, as a pull of a put
   * does: after the free-space check, in one of the {@value #PARALLEL_PULLS} pull slots, holding
   * off prunes until it ends (see {@link LayerUse}). {@code what} names it in a refusal.
   */
  public <T> T whileStoring(String what, Supplier<T> pull) {
    requireSpace.accept(what);
    try {
      pulls.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimePullException("interrupted waiting for a pull slot: " + what, e);
    }
    try {
      return use.storing(pull);
    } finally {
      pulls.release();
    }
  }

  /**
   * Records an image pulled by the caller as runtime {@code name} (a name of {@link
   * #IMAGE_PREFIX}), at once: for chambers started from baked images. Checks the interpreter is
   * there. Putting the same image again changes nothing.
   */
  public RuntimeDefinition register(
      String name, Language language, Optional<String> interpreter, RuntimeImage image)
      throws IOException {
    if (!name.startsWith(IMAGE_PREFIX)) {
      throw new IllegalArgumentException("registered runtimes are named " + IMAGE_PREFIX + "...");
    }
    synchronized (this) {
      Status status = statuses.get(name);
      if (status != null && status.runtime().isPresent()) {
        RuntimeDefinition known = status.runtime().get();
        if (known.image().orElseThrow().manifestDigest().equals(image.manifestDigest())) {
          return known;
        }
      }
      if (status == null && statuses.size() >= MAX_RUNTIMES) {
        throw new RuntimeConflictException(
            "this node has "
                + MAX_RUNTIMES
                + " pulled runtimes (those of baked images included), its most; DELETE"
                + " /runtimes/{name} one it no longer needs");
      }
    }
    Optional<String> found = probe.find(language, image, skyhook.get(), interpreter);
    RuntimeDefinition runtime = RuntimeDefinition.pulled(name, language, found, image);
    synchronized (this) {
      PulledRuntimeRecord.of(runtime).write(dir);
      Optional.ofNullable(statuses.get(name)).flatMap(Status::runtime).ifPresent(use::retire);
      requests.put(name, new PullRequest(name, language, image.reference(), found));
      generations.put(name, ++nextGeneration);
      statuses.put(
          name,
          new Status(name, language, image.reference(), Phase.PULLED, "", Optional.of(runtime)));
    }
    return runtime;
  }

  /** Runs {@code prune} with the layers in use, while no pull stores layers ({@link LayerUse}). */
  public <T> T whileNoPullStores(java.util.function.Function<Set<Path>, T> prune) {
    return use.pruning(() -> prune.apply(layersInUse()));
  }

  private synchronized void progress(String name, long generation, String line) {
    Status status = statuses.get(name);
    if (status != null && isCurrent(name, generation) && status.phase() == Phase.PULLING) {
      statuses.put(
          name,
          new Status(
              name, status.language(), status.image(), Phase.PULLING, line, status.runtime()));
    }
  }

  private boolean isCurrent(String name, long generation) {
    return generations.getOrDefault(name, -1L) == generation;
  }

  /** The status of the pulled runtime {@code name}, if there is one. */
  public synchronized Optional<Status> status(String name) {
    return Optional.ofNullable(statuses.get(name));
  }

  /** Every pulled runtime's status, in name order. */
  public synchronized List<Status> statuses() {
    return statuses.values().stream().sorted(java.util.Comparator.comparing(Status::name)).toList();
  }

  /**
   * The runtime chambers of {@code name} get now; empty when no pulled runtime has that name.
   * Throws {@link RuntimeNotReadyException} when it has no image yet (pulling, or failed).
   */
  public synchronized Optional<RuntimeDefinition> find(String name) {
    Status status = statuses.get(name);
    if (status == null) {
      return Optional.empty();
    }
    if (status.runtime().isPresent()) {
      return status.runtime();
    }
    throw new RuntimeNotReadyException(
        status.phase() == Phase.PULLING
            ? "runtime "
                + name
                + " is still being pulled ("
                + status.detail()
                + "); retry when GET /runtimes shows it PULLED"
            : "runtime "
                + name
                + " failed to pull: "
                + status.detail()
                + "; fix the image and PUT /runtimes/"
                + name
                + " again");
  }

  /** Forgets the pulled runtime {@code name}; its layers go at the next prune. */
  public synchronized boolean delete(String name) throws IOException {
    Status removed = statuses.remove(name);
    if (removed == null) {
      return false;
    }
    removed.runtime().ifPresent(use::retire);
    requests.remove(name);
    generations.remove(name); // a pull under way is dropped when it ends
    Files.deleteIfExists(dir.resolve(name + PulledRuntimeRecord.SUFFIX));
    return true;
  }

  /** The layer directories every pulled runtime stacks (also those still served during a pull). */
  public synchronized Set<Path> layersInUse() {
    Set<Path> used = new HashSet<>();
    use.addRetired(used);
    for (Status status : statuses.values()) {
      status.runtime().ifPresent(r -> used.addAll(r.image().orElseThrow().layers()));
    }
    return used;
  }
}
