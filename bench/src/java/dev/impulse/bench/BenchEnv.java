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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * What every scenario works with: an impulse daemon started with {@code bin/impulse daemon} (the
 * production launcher and JVM settings) on a scratch data directory, run directory, port range and
 * cgroup; the sample function uploaded; the baseimages the raw baselines share with it; an HTTP
 * client. Closing it destroys every chamber, stops the daemon and proves nothing was left behind.
 */
final class BenchEnv implements AutoCloseable {
  static final Path BASEIMAGES =
      Path.of(
          System.getenv()
              .getOrDefault("IMPULSE_BENCH_BASEIMAGES", "/var/tmp/impulse-it/baseimages"));
  static final PortRange DAEMON_PORTS = new PortRange(20000, 23999);
  static final PortRange RAW_PORTS = new PortRange(24000, 25999);
  static final String APP = "sampleapp";
  static final String VERSION = "1.0.0";

  final Path repo;
  final String name;
  final Path root;
  final Path dataDir;
  final Path runDir;
  final String cgroupParent;
  final String bridge;
  final int apiPort;
  final ObjectMapper json = new ObjectMapper();
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final Reaper reaper = new Reaper();
  private final Thread sweeper;
  private final Process daemon;
  private String token = "";
  private final Map<String, Baseimage> baseimages = new LinkedHashMap<>();
  private int nextRawPort = RAW_PORTS.first();

  private final AtomicBoolean closed = new AtomicBoolean();

  BenchEnv(Path repo) throws IOException, InterruptedException {
    this.repo = repo;
    this.name = "bench-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 30), 36);
    this.root = Path.of("/var/tmp/impulse-bench", name);
    this.dataDir = root.resolve("data");
    this.runDir = Path.of("/run/impulse-" + name);
    this.cgroupParent = "impulse-" + name;
    this.bridge = "bn" + name.substring("bench-".length(), Math.min(name.length(), 13));
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
    for (String runtime : List.of("python3.9", "python3.11")) {
      System.out.println(
          "baseimage " + runtime + ": ready or building (about 35 s when not built)");
      baseimages.put(
          runtime,
          images.ensureBuilt(
              RuntimeCatalog.standard().resolve(runtime), line -> System.out.println("  " + line)));
    }
    Files.createDirectories(root);
    this.apiPort = freePort();
    List<String> command =
        new ArrayList<>(
            List.of(
                repo.resolve("bin/impulse").toString(),
                "daemon",
                "--listen",
                "127.0.0.1:" + apiPort,
                "--data-dir",
                dataDir.toString(),
                "--run-dir",
                runDir.toString(),
                "--baseimage-dir",
                BASEIMAGES.toString(),
                "--port-range",
                DAEMON_PORTS.toString(),
                "--cgroup-parent",
                cgroupParent,
                "--bridge",
                bridge,
                "--chamber-subnet",
                "10.198.0.0/16",
                "--dns",
                "none",
                "--startup-timeout-ms",
                "120000",
                "--stop-grace-ms",
                "2000"));
    daemon =
        reaper.start(
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(
                    ProcessBuilder.Redirect.appendTo(root.resolve("daemon.log").toFile())));
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (status("GET", "/healthz") != 200) {
      if (!daemon.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the daemon did not start; see " + root.resolve("daemon.log"));
      }
      sleep(100);
    }
    token = Files.readString(dataDir.resolve("api-token")).strip();
    byte[] sample = Tars.function(Files.readString(repo.resolve("examples/sampleapp/main.py")));
    HttpResponse<String> upload =
        http.send(
            request("/functions/" + APP + "/" + VERSION)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(sample))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (upload.statusCode() / 100 != 2) {
      throw new IllegalStateException("uploading the sample failed: " + upload.body());
    }
  }

  URI api(String path) {
    return URI.create("http://127.0.0.1:" + apiPort + path);
  }

  /** A request to the API carrying its token (read from the daemon's data directory). */
  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(api(path)).header("Authorization", "Bearer " + token);
  }

  long daemonPid() {
    return daemon.pid();
  }

  Baseimage baseimage(String runtime) {
    return baseimages.get(runtime);
  }

  /** The sample function's overlay layer, as the daemon stored it. */
  Path functionLayer() {
    return dataDir.resolve("functions").resolve(APP).resolve(VERSION).resolve("layer");
  }

  synchronized int rawPort() {
    int port = nextRawPort++;
    if (nextRawPort > RAW_PORTS.last()) {
      nextRawPort = RAW_PORTS.first();
    }
    return port;
  }

  // ---- HTTP ----

  HttpResponse<String> send(String method, String path, String body) {
    HttpRequest.Builder request =
        request(path)
            .timeout(Duration.ofSeconds(120))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  int status(String method, String path) {
    try {
      return send(method, path, null).statusCode();
    } catch (UncheckedIOException e) {
      return -1;
    }
  }

  JsonNode read(String text) {
    try {
      return json.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(text, e);
    }
  }

  /** Creates a chamber of the sample function; returns the API's answer. */
  JsonNode create(String runtime) {
    HttpResponse<String> response =
        send(
            "POST",
            "/chambers",
            "{\"app\":\""
                + APP
                + "\",\"version\":\""
                + VERSION
                + "\",\"runtime\":\""
                + runtime
                + "\"}");
    if (response.statusCode() != 201) {
      throw new IllegalStateException("create failed: " + response.body());
    }
    return read(response.body());
  }

  JsonNode chamber(String id) {
    return read(send("GET", "/chambers/" + id, null).body());
  }

  void destroy(String id) {
    int status = send("DELETE", "/chambers/" + id, null).statusCode();
    if (status != 204 && status != 404) {
      throw new IllegalStateException("destroying " + id + " answered " + status);
    }
  }

  /** Waits until the chamber is RUNNING; fails when it ends. */
  JsonNode awaitRunning(String id, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode chamber = chamber(id);
      String status = chamber.get("status").asText();
      if (status.equals("RUNNING")) {
        return chamber;
      }
      if (status.equals("FAILED") || status.equals("STOPPED") || System.nanoTime() > deadline) {
        throw new IllegalStateException("chamber " + id + " did not start: " + chamber);
      }
      sleep(20);
    }
  }

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

  private static boolean accepts(int port) {
    try (java.nio.channels.SocketChannel probe =
        java.nio.channels.SocketChannel.open(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port))) {
      return probe.isConnected();
    } catch (IOException e) {
      return false;
    }
  }

  /** How many destroys so far found the chamber still running after the grace period (SIGKILL). */
  long forcedStops() {
    try (Stream<String> lines = Files.lines(root.resolve("daemon.log"))) {
      return lines.filter(line -> line.contains("; sending SIGKILL")).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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
      return read(body).get("timings");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Every chamber's id. */
  List<String> chamberIds() {
    List<String> ids = new ArrayList<>();
    read(send("GET", "/chambers", null).body()).forEach(c -> ids.add(c.get("id").asText()));
    return ids;
  }

  /** Things left behind by impulse's chambers and by the raw baselines. */
  List<String> leaks() {
    List<String> found =
        new ArrayList<>(
            new Leaks(dataDir, runDir, DAEMON_PORTS, cgroupParent, bridge)
                .find(java.util.Set.of(daemonPid())));
    found.addAll(
        new Leaks(
                root.resolve("raw"),
                root.resolve("raw-run"),
                RAW_PORTS,
                cgroupParent + "-raw",
                "none")
            .find());
    return found;
  }

  /**
   * Waits (orphans are reaped every 200 ms) until nothing is left behind; returns what still is.
   */
  List<String> awaitNoLeaks() {
    List<String> found = leaks();
    for (int i = 0; i < 50 && !found.isEmpty(); i++) {
      sleep(200);
      found = leaks();
    }
    return found;
  }

  /** The daemon's resident memory in MiB. */
  double daemonRssMb() {
    return ProcStats.rssKb(daemonPid()) / 1024.0;
  }

  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (String id : chamberIds()) {
      destroy(id);
    }
    daemon.destroy();
    try {
      daemon.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sweeper.interrupt();
    for (Path hierarchy : list(Path.of("/sys/fs/cgroup"))) {
      Files.deleteIfExists(hierarchy.resolve(cgroupParent));
      Files.deleteIfExists(hierarchy.resolve(cgroupParent + "-raw"));
    }
    removeRawContainers();
    FileTrees.deleteRecursively(runDir);
    FileTrees.deleteRecursively(root.resolve("raw-run"));
    Files.copy(
        root.resolve("daemon.log"),
        repo.resolve("bench/results/last-daemon.log"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
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

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
