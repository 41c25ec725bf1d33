package dev.impulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.linux.FileTrees;
import dev.impulse.testing.LocalRegistry;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Scenario "pull" (issue 12): the time to pull a runtime image. The image (a Python root file
 * system as one layer of about 50 MB compressed, and two small layers; {@link PullImage}) is made
 * by umoci and pushed by skopeo to a local registry (Debian's docker-registry on a loopback port)
 * before anything is timed.
 *
 * <p>Every round measures, each once: impulse, from {@code PUT /runtimes/{name}} until {@code GET
 * /runtimes} (polled every {@value #POLL_MS} ms) shows it {@code PULLED}, into an empty layer
 * store; right after it, the same runtime deleted (its layers kept) and put again; and the
 * baselines, a {@code skopeo copy} of the image into a fresh {@code oci:} directory and its {@code
 * umoci unpack} (or {@code umoci raw unpack}: the tree alone, without umoci's mtree manifest of
 * it), timed end to end. The order of impulse and the two baselines rotates from round to round and
 * runs backwards every other cycle, as in {@link Languages}. After each impulse pull the runtime is
 * deleted and the layer store pruned, and the store must then be empty; each baseline's directory
 * is removed.
 */
final class PullTime {
  static final int WARM_UP_ROUNDS = 1;
  static final long POLL_MS = 20;

  /** The cached re-pull takes tens of milliseconds: polled more often. */
  static final long CACHED_POLL_MS = 5;

  static final Duration PULL_LIMIT = Duration.ofMinutes(5);

  /** The names of the runtimes it pulls: {@code bench-pull-N}, a fresh one each round. */
  static final String RUNTIME_PREFIX = "bench-pull-";

  /** What a round runs, in an order of its own: impulse's two pulls stay together. */
  private enum Unit {
    IMPULSE,
    UMOCI,
    UMOCI_RAW
  }

  private final BenchEnv env;
  private final BenchDaemon daemon;
  private final Programs tools;
  private final Path scratch;
  private final PullFigures figures = new PullFigures();
  private PullImage image;
  private int pulls;

  PullTime(BenchEnv env) {
    this.env = env;
    this.daemon = env.bridge();
    this.tools = new Programs(env, Duration.ofMinutes(10));
    this.scratch = env.root.resolve("pull");
  }

  void run(Report report, int rounds) throws Exception {
    String loadBefore = ProcStats.loadAverage();
    requireEmptyStore("before the first pull");
    LocalRegistry registry = env.closeAtEnd(LocalRegistry.start(env::start));
    env.closeAtEnd(tools); // closed first: no umoci writes on into a directory being removed
    try {
      long t0 = System.nanoTime();
      Path rootfs = env.baseimage("python3.11").rootfsLayers().getFirst();
      image = PullImage.push(tools, rootfs, scratch.resolve("image"), registry);
      System.out.printf(
          "pull: %s pushed to %s in %.1f s: %d layers, %.1f MB compressed %s; %d rounds (plus %d"
              + " warm-up) of impulse (polled every %d ms), skopeo copy + umoci unpack, skopeo copy"
              + " + umoci raw unpack; load %s%n",
          rootfs,
          image.reference(),
          (System.nanoTime() - t0) / 1e9,
          image.layerBytes().size(),
          image.compressedBytes() / 1e6,
          image.layerBytes(),
          rounds,
          WARM_UP_ROUNDS,
          POLL_MS,
          loadBefore);
      List<Unit> units = List.of(Unit.values());
      for (int i = -WARM_UP_ROUNDS; i < rounds; i++) {
        for (Unit unit : Languages.ordered(units, i)) {
          measure(unit, i >= 0);
        }
        if (i >= 0) {
          System.out.printf(
              "  %d/%d done: impulse %.0f ms, cached %.0f ms, skopeo + umoci unpack %.0f ms, + raw"
                  + " unpack %.0f ms (load %s)%n",
              i + 1,
              rounds,
              figures.last(PullFigures.Method.IMPULSE),
              figures.last(PullFigures.Method.CACHED),
              figures.last(PullFigures.Method.UMOCI),
              figures.last(PullFigures.Method.UMOCI_RAW),
              ProcStats.loadAverage());
        }
      }
    } finally {
      cleanUp(registry);
    }
    new PullReport(rounds, image, figures, loadBefore, ProcStats.loadAverage()).write(report);
  }

  private void measure(Unit unit, boolean counted) throws IOException {
    switch (unit) {
      case IMPULSE -> impulse(counted);
      case UMOCI -> baseline(PullFigures.Method.UMOCI, counted);
      case UMOCI_RAW -> baseline(PullFigures.Method.UMOCI_RAW, counted);
    }
  }

  // ---- impulse ----

  /** A pull into the empty store, then one of the same image with its layers kept; then pruned. */
  private void impulse(boolean counted) throws IOException {
    requireEmptyStore("before a pull");
    String name = RUNTIME_PREFIX + ++pulls;
    PullFigures.Run full = pull(name, POLL_MS);
    long unpacked = storedBytes();
    delete(name);
    PullFigures.Run cached = pull(name, CACHED_POLL_MS);
    long t0 = System.nanoTime();
    delete(name);
    JsonNode pruned = read(daemon.send("POST", "/images/prune", ""), 200, "pruning the store");
    double pruneMs = (System.nanoTime() - t0) / 1e6;
    if (pruned.path("kept").asInt(-1) != 0
        || pruned.path("removed").size() != image.layerBytes().size()) {
      throw new IllegalStateException("the prune after " + name + " left layers: " + pruned);
    }
    requireEmptyStore("after " + name + " was deleted and the store pruned");
    if (counted) {
      figures.add(PullFigures.Method.IMPULSE, full);
      figures.add(PullFigures.Method.CACHED, cached);
      figures.prune().add(pruneMs);
      figures.unpackedBytes(PullFigures.Method.IMPULSE, unpacked);
    } else {
      figures.warmUp(PullFigures.Method.IMPULSE, full.totalMs);
      figures.warmUp(PullFigures.Method.CACHED, cached.totalMs);
    }
  }

  /** Puts runtime {@code name} and times it until {@code GET /runtimes} shows it PULLED. */
  private PullFigures.Run pull(String name, long pollMs) throws IOException {
    long logStart = Files.size(daemon.log());
    String body = "{\"image\":\"" + image.reference() + "\",\"language\":\"python\"}";
    ProcStats.CpuTimes cpu0 = ProcStats.cpuTimes(daemon.pid());
    long t0 = System.nanoTime();
    read(daemon.send("PUT", "/runtimes/" + name, body), 202, "putting runtime " + name);
    long deadline = t0 + PULL_LIMIT.toNanos();
    while (true) {
      JsonNode runtime = runtime(name);
      long now = System.nanoTime();
      String status = runtime.path("status").asText();
      if (status.equals("PULLED")) {
        PullFigures.Run run =
            new PullFigures.Run((now - t0) / 1e6).cpu(ProcStats.cpuTimes(daemon.pid()).minus(cpu0));
        PullLog log = awaitLog(name, logStart);
        log.imageMs().ifPresent(ms -> run.step(PullFigures.Step.IMAGE_PULLED, ms));
        log.runtimeMs().ifPresent(ms -> run.step(PullFigures.Step.RUNTIME_PULLED, ms));
        return run;
      }
      if (!status.equals("PULLING") || now > deadline) {
        throw new IllegalStateException("runtime " + name + " was not pulled: " + runtime);
      }
      BenchEnv.sleep(pollMs);
    }
  }

  private JsonNode runtime(String name) {
    for (JsonNode runtime : read(daemon.send("GET", "/runtimes", null), 200, "GET /runtimes")) {
      if (runtime.path("name").asText().equals(name)) {
        return runtime;
      }
    }
    throw new IllegalStateException("GET /runtimes does not show runtime " + name);
  }

  /** The daemon's own log of the pull, logged just after the runtime showed PULLED. */
  private PullLog awaitLog(String name, long from) throws IOException {
    PullLog log = new PullLog(OptionalDouble.empty(), OptionalDouble.empty());
    for (int i = 0; i < 100 && !log.complete(); i++) {
      if (i > 0) {
        BenchEnv.sleep(20);
      }
      log = PullLog.parse(since(daemon.log(), from), name);
    }
    return log;
  }

  private void delete(String name) {
    read(daemon.send("DELETE", "/runtimes/" + name, null), 204, "deleting runtime " + name);
  }

  /** The layer store's layers' unpacked bytes, as each layer's {@code layer.json} says. */
  private long storedBytes() throws IOException {
    long bytes = 0;
    for (Path layer : BenchEnv.list(layers())) {
      bytes +=
          env.json.readTree(layer.resolve("layer.json").toFile()).path("unpackedBytes").asLong();
    }
    return bytes;
  }

  private Path layers() {
    return daemon.dataDir.resolve("layers/sha256");
  }

  private void requireEmptyStore(String when) throws IOException {
    List<Path> left = BenchEnv.list(layers());
    if (!left.isEmpty()) {
      throw new IllegalStateException(
          "the bridge daemon's layer store is not empty " + when + ": " + left);
    }
  }

  // ---- the baselines ----

  /** {@code skopeo copy} into a fresh {@code oci:} directory, then umoci's unpack of it. */
  private void baseline(PullFigures.Method method, boolean counted) throws IOException {
    Path dir = scratch.resolve("baseline-" + ++pulls);
    Path layout = dir.resolve("oci");
    Path tree = dir.resolve(method == PullFigures.Method.UMOCI ? "bundle" : "rootfs");
    String tagged = layout + ":" + PullImage.TAG;
    Files.createDirectories(dir);
    try {
      long self = ProcessHandle.current().pid();
      ProcStats.CpuTimes cpu0 = ProcStats.waitedChildrenCpuTimes(self);
      long t0 = System.nanoTime();
      tools.run(
          "skopeo",
          "copy",
          "--quiet",
          "--src-tls-verify=false",
          "docker://" + image.reference(),
          "oci:" + tagged);
      long t1 = System.nanoTime();
      if (method == PullFigures.Method.UMOCI) {
        tools.run("umoci", "unpack", "--image", tagged, tree.toString());
      } else {
        tools.run("umoci", "raw", "unpack", "--image", tagged, tree.toString());
      }
      long t2 = System.nanoTime();
      ProcStats.CpuTimes cpu = ProcStats.waitedChildrenCpuTimes(self).minus(cpu0);
      tools.run("sync", "--file-system", dir.toString()); // what impulse does for each layer
      long t3 = System.nanoTime();
      PullFigures.Run run = new PullFigures.Run((t2 - t0) / 1e6).cpu(cpu);
      run.step(PullFigures.Step.COPIED, (t1 - t0) / 1e6);
      run.step(PullFigures.Step.UNPACKED, (t2 - t1) / 1e6);
      run.step(PullFigures.Step.SYNCED, (t3 - t2) / 1e6);
      if (counted) {
        figures.add(method, run);
        Path rootfs = method == PullFigures.Method.UMOCI ? tree.resolve("rootfs") : tree;
        figures.unpackedBytes(method, fileBytes(rootfs));
      } else {
        figures.warmUp(method, run.totalMs);
      }
    } finally {
      FileTrees.deleteRecursively(dir);
    }
  }

  /**
   * The bytes of the regular files under {@code root}, links not followed and a file of several
   * names (hard links) counted once, as the layer store counts them.
   */
  static long fileBytes(Path root) throws IOException {
    Set<Object> seen = new HashSet<>();
    long bytes = 0;
    try (var files = Files.walk(root)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        var attributes =
            Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attributes.isRegularFile() && seen.add(attributes.fileKey())) {
          bytes += attributes.size();
        }
      }
    }
    return bytes;
  }

  // ---- helpers ----

  private JsonNode read(HttpResponse<String> response, int status, String what) {
    if (response.statusCode() != status) {
      throw new IllegalStateException(
          what + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body().isEmpty() ? env.json.nullNode() : daemon.read(response.body());
  }

  private static String since(Path file, long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(file)) {
      channel.position(offset);
      return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * Removes what a run cut short by a failure left (its runtimes and their layers), stops the
   * registry and removes the scenario's directory; then records anything still there: a pulled
   * runtime, a layer, the registry's process or files, a directory.
   */
  private void cleanUp(LocalRegistry registry) {
    try {
      for (String name : pulledRuntimes()) {
        daemon.send("DELETE", "/runtimes/" + name, null);
      }
      if (!BenchEnv.list(layers()).isEmpty()) {
        daemon.send("POST", "/images/prune", "");
      }
      pulledRuntimes().forEach(name -> env.leftBehind("pull: runtime " + name));
      BenchEnv.list(layers()).forEach(layer -> env.leftBehind("pull: layer " + layer));
    } catch (IOException | RuntimeException e) {
      env.leftBehind("pull: cleaning up the bridge daemon's runtimes failed: " + e);
    }
    try {
      registry.close(); // fails when its process outlives it
    } catch (IOException | RuntimeException e) {
      env.leftBehind("pull: stopping " + registry + " failed: " + e.getMessage());
    }
    if (Files.exists(registry.storage().getParent())) {
      env.leftBehind("pull: the registry's directory " + registry.storage().getParent());
    }
    try {
      FileTrees.deleteRecursively(scratch);
    } catch (IOException e) {
      env.leftBehind("pull: cannot remove " + scratch + ": " + e.getMessage());
    }
  }

  /** The runtimes this scenario pulled that the daemon still has. */
  private List<String> pulledRuntimes() {
    List<String> names = new ArrayList<>();
    for (JsonNode runtime : read(daemon.send("GET", "/runtimes", null), 200, "GET /runtimes")) {
      String name = runtime.path("name").asText();
      if (name.startsWith(RUNTIME_PREFIX)) {
        names.add(name);
      }
    }
    return names;
  }
}
