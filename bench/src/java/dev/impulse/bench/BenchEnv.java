package dev.impulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.image.Baseimage;
import dev.impulse.image.Baseimages;
import dev.impulse.image.Mmdebstrap;
import dev.impulse.image.RuntimeCatalog;
import dev.impulse.linux.FileTrees;
import dev.impulse.linux.Mounts;
import dev.impulse.linux.Processes;
import dev.impulse.linux.Reaper;
import dev.impulse.network.PortRange;
import dev.impulse.testing.Leaks;
import dev.impulse.testing.Tars;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * What every scenario works with: two impulse daemons ({@link BenchDaemon}: one with bridge
 * networking, one with {@code --network host}), each with the sample function uploaded; the
 * baseimages the raw baselines share with them; the raw baselines' ports and directories; an HTTP
 * client. Closing it destroys every chamber, stops both daemons and proves nothing was left behind.
 */
final class BenchEnv implements AutoCloseable {
  static final Path BASEIMAGES =
      Path.of(
          System.getenv()
              .getOrDefault("IMPULSE_BENCH_BASEIMAGES", "/var/tmp/impulse-it/baseimages"));
  static final PortRange RAW_PORTS = new PortRange(24000, 25999);
  static final String APP = "sampleapp";
  static final String VERSION = "1.0.0";

  final Path repo;
  final String name;
  final Path root;

  /** The raw baselines' cgroup parent. */
  final String rawCgroupParent;

  final ObjectMapper json = new ObjectMapper();
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final Reaper reaper = new Reaper();
  private final Thread sweeper;
  private final Map<String, Baseimage> baseimages = new LinkedHashMap<>();
  private final Map<BenchDaemon.Network, BenchDaemon> daemons = new LinkedHashMap<>();
  private final List<String> leftAfterStop = new ArrayList<>();
  private final List<AutoCloseable> owned = new ArrayList<>();
  private int nextRawPort = RAW_PORTS.first();

  private final AtomicBoolean closed = new AtomicBoolean();

  /** The runtimes every run needs: the sample function's (python3.11) and python3.9 (api). */
  static final List<String> RUNTIMES = List.of("python3.9", "python3.11");

  /**
   * Builds the baseimages of {@code runtimes} that are not built (before anything is measured),
   * then starts the two daemons.
   */
  BenchEnv(Path repo, List<String> runtimes) throws IOException, InterruptedException {
    this.repo = repo;
    this.name = "bench-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 30), 36);
    this.root = Path.of("/var/tmp/impulse-bench", name);
    this.rawCgroupParent = "impulse-" + name + "-raw";
    Processes.becomeChildSubreaper();
    sweeper =
        Thread.ofPlatform()
            .daemon()
            .name("bench-reaper")
            .start(() -> {
              while (!Thread.currentThread().isInterrupted()) {
                reaper.sweep();
                try {
                  Thread.sleep(200);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    Baseimages images =
        new Baseimages(BASEIMAGES, new Mmdebstrap(Path.of("/usr/bin/mmdebstrap"), reaper));
    for (String runtime : runtimes) {
      var definition = RuntimeCatalog.standard().resolve(runtime);
      boolean built = images.ifBuilt(definition).isPresent();
      System.out.println(
          "baseimage "
              + runtime
              + (built ? ": built" : ": building (35 to 45 s; java21 is the largest)"));
      long t0 = System.nanoTime();
      baseimages.put(
          runtime, images.ensureBuilt(definition, line -> System.out.println("  " + line)));
      if (!built) {
        System.out.printf(
            "baseimage %s: built in %.0f s%n", runtime, (System.nanoTime() - t0) / 1e9);
      }
    }
    Files.createDirectories(root);
    try {
      // Both start at once (a JVM start-up each), then each gets the sample function.
      for (BenchDaemon.Network network : BenchDaemon.Network.values()) {
        daemons.put(network, new BenchDaemon(network, repo, name, root, reaper, this));
      }
      byte[] sample = Tars.function(Files.readString(repo.resolve("examples/sampleapp/main.py")));
      for (BenchDaemon daemon : daemons.values()) {
        daemon.awaitReady(sample);
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** The daemon with bridge networking (the default): the one every other scenario uses. */
  BenchDaemon bridge() {
    return daemons.get(BenchDaemon.Network.BRIDGE);
  }

  BenchDaemon host() {
    return daemons.get(BenchDaemon.Network.HOST);
  }

  /** Both daemons, bridge first. */
  List<BenchDaemon> daemons() {
    return List.copyOf(daemons.values());
  }

  Baseimage baseimage(String runtime) {
    return baseimages.get(runtime);
  }

  /** The sample function's overlay layer, which the raw baselines mount as impulse does. */
  Path functionLayer() {
    return bridge().functionLayer();
  }

  /**
   * Starts a process the harness waits for itself: through the reaper, so that its sweep of orphans
   * (this process is a child subreaper) never takes the exit status from the JDK.
   */
  Process start(ProcessBuilder builder) throws IOException {
    return reaper.start(builder);
  }

  /**
   * Closes {@code resource} (a scenario's registry, say) when the run ends, also when it is cut
   * short with Ctrl-C, before the daemons stop; closing it must be harmless when its scenario has
   * closed it already. Returns it.
   */
  synchronized <T extends AutoCloseable> T closeAtEnd(T resource) {
    owned.add(resource);
    return resource;
  }

  /** Records what a scenario found left behind of its own; the run reports it and fails. */
  synchronized void leftBehind(String what) {
    leftAfterStop.add(what);
  }

  synchronized int rawPort() {
    int port = nextRawPort++;
    if (nextRawPort > RAW_PORTS.last()) {
      nextRawPort = RAW_PORTS.first();
    }
    return port;
  }

  // ---- a chamber's port (impulse's and the baselines' alike) ----

  /** One call of the function on {@code port}; true when it answered 200. */
  boolean call(int port) {
    try {
      return http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                      .timeout(Duration.ofSeconds(10))
                      .POST(HttpRequest.BodyPublishers.ofString("{}"))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Calls {@code port} until the function answers; returns when it did. Until the port accepts a
   * connection it is probed with a bare connect every millisecond (a refused connect costs a few
   * microseconds; a failed HTTP request costs the client far more, which ten clients polling at
   * once would take from the chambers being measured). Both impulse and the baselines are timed
   * with exactly this loop.
   */
  Instant awaitFirstCall(int port, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!(accepts(port) && call(port))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("port " + port + " never answered");
      }
      sleep(1);
    }
    return Instant.now();
  }

  /**
   * As {@link #awaitFirstCall}, calling with {@link dev.impulse.testing.RawHttp}: a refused
   * connection is retried every millisecond, as the probe there is.
   */
  private static final String FIRST_CALL =
      "POST / HTTP/1.1\r\nHost: chamber\r\nContent-Type: application/json\r\n"
          + "Connection: close\r\nContent-Length: 2\r\n\r\n{}";

  Instant awaitFirstCallBare(int port, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        if (new dev.impulse.testing.RawHttp(
                    new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port))
                .request(FIRST_CALL)
                .status()
            == 200) {
          return Instant.now();
        }
      } catch (UncheckedIOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("port " + port + " never answered");
      }
      sleep(1);
    }
  }

  private static boolean accepts(int port) {
    try (java.nio.channels.SocketChannel probe =
        java.nio.channels.SocketChannel.open(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port))) {
      return probe.isConnected();
    } catch (IOException e) {
      return false;
    }
  }

  /** The wrapper's own start-up times (epoch seconds) from its /healthz. */
  JsonNode wrapperTimings(int port) {
    try {
      String body =
          http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      return json.readTree(body).get("timings");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // ---- leaks ----

  /** Things left behind by either daemon's chambers and by the raw baselines. */
  List<String> leaks() {
    List<String> found = new ArrayList<>();
    daemons.values().forEach(d -> found.addAll(d.leaks()));
    found.addAll(rawLeaks());
    return found;
  }

  /** Things left behind by the raw baselines. */
  List<String> rawLeaks() {
    return new Leaks(
            root.resolve("raw"), root.resolve("raw-run"), RAW_PORTS, rawCgroupParent, "none")
        .find().stream().map(f -> "raw runc: " + f).toList();
  }

  /**
   * Waits (orphans are reaped every 200 ms) until nothing is left behind; returns what still is.
   */
  List<String> awaitNoLeaks() {
    return awaitNone(this::leaks);
  }

  /** Waits up to 10 s until {@code check} finds nothing; returns what it still finds. */
  static List<String> awaitNone(java.util.function.Supplier<List<String>> check) {
    List<String> found = check.get();
    for (int i = 0; i < 50 && !found.isEmpty(); i++) {
      sleep(200);
      found = check.get();
    }
    return found;
  }

  /** What the daemons left once stopped (filled by {@link #close}); empty when clean. */
  synchronized List<String> leftAfterStop() {
    return List.copyOf(leftAfterStop);
  }

  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<AutoCloseable> resources;
    synchronized (this) {
      resources = new ArrayList<>(owned).reversed();
    }
    for (AutoCloseable resource : resources) {
      try {
        resource.close();
      } catch (Exception e) {
        leftBehind("closing " + resource + " failed: " + e.getMessage());
      }
    }
    for (BenchDaemon daemon : daemons.values()) {
      leftAfterStop.addAll(daemon.stop());
    }
    sweeper.interrupt();
    for (Path hierarchy : list(Path.of("/sys/fs/cgroup"))) {
      for (BenchDaemon daemon : daemons.values()) {
        Files.deleteIfExists(hierarchy.resolve(daemon.cgroupParent));
      }
      Files.deleteIfExists(hierarchy.resolve(rawCgroupParent));
    }
    removeRawContainers();
    for (BenchDaemon daemon : daemons.values()) {
      FileTrees.deleteRecursively(daemon.runDir);
      if (Files.exists(daemon.log())) {
        Files.copy(
            daemon.log(),
            repo.resolve("bench/results/last-daemon-" + daemon.network.key() + ".log"),
            StandardCopyOption.REPLACE_EXISTING);
      }
    }
    FileTrees.deleteRecursively(root.resolve("raw-run"));
    FileTrees.deleteRecursively(root);
  }

  /** Raw containers a run cut short (Ctrl-C) left: their runc containers and mounts. */
  private void removeRawContainers() throws IOException {
    Path rawRuncRoot = root.resolve("raw-run/runc");
    for (Path state : list(rawRuncRoot)) {
      try {
        new ProcessBuilder(
                "/usr/sbin/runc",
                "--root=" + rawRuncRoot,
                "delete",
                "--force",
                state.getFileName().toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start()
            .waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    Mounts.mountPoints().stream()
        .filter(m -> m.startsWith(root))
        .sorted(Comparator.reverseOrder())
        .forEach(Mounts::unmount);
  }

  static List<Path> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(Files::isDirectory).toList();
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
