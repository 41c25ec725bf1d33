package dev.impulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.linux.Reaper;
import dev.impulse.network.PortRange;
import dev.impulse.testing.Leaks;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One impulse daemon the harness runs, started with {@code bin/impulse daemon} (the production
 * launcher and JVM settings) on directories, a port range and a cgroup parent of its own, and its
 * API. The harness runs two: one with bridge networking (the default) and one with {@code --network
 * host}, side by side without sharing anything but the baseimages.
 */
final class BenchDaemon {
  /** How the daemon networks its chambers; each has its own port range. */
  enum Network {
    BRIDGE("impulse, bridge", new PortRange(20000, 23999)),
    HOST("impulse, host", new PortRange(26000, 29999));

    final String label;
    final PortRange ports;

    Network(String label, PortRange ports) {
      this.label = label;
      this.ports = ports;
    }

    /** The key of its figures in the results JSON. */
    String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  static final String SUBNET = "10.198.0.0/16";

  final Network network;
  final Path root;
  final Path dataDir;
  final Path runDir;
  final String cgroupParent;

  /** The bridge's name; "none" (which names nothing) for the host daemon. */
  final String bridge;

  final int apiPort;

  /** The edge proxy's port. */
  final int proxyPort;

  private final HttpClient http;
  private final ObjectMapper json;
  private final Process process;
  private String token = "";

  /** Starts the daemon; {@link #awaitReady} waits until it serves. */
  BenchDaemon(Network network, Path repo, String name, Path benchRoot, Reaper reaper, BenchEnv env)
      throws IOException {
    this.network = network;
    this.http = env.http;
    this.json = env.json;
    this.root = benchRoot.resolve(network.key());
    this.dataDir = root.resolve("data");
    this.runDir = Path.of("/run/impulse-" + name + "-" + network.key());
    this.cgroupParent = "impulse-" + name + "-" + network.key();
    // ≤ 9 letters and digits: "bn" and the run's random id (at most 6 characters)
    this.bridge =
        network == Network.BRIDGE
            ? "bn" + name.substring("bench-".length(), Math.min(name.length(), 13))
            : "none";
    this.apiPort = freePort();
    this.proxyPort = freePort();
    Files.createDirectories(root);
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
                BenchEnv.BASEIMAGES.toString(),
                "--port-range",
                network.ports.toString(),
                "--cgroup-parent",
                cgroupParent,
                "--network",
                network.key(),
                "--startup-timeout-ms",
                "120000",
                "--stop-grace-ms",
                "2000",
                // Cold starts unless a scenario asks for stem cells (pool)
                "--pool-size",
                "0",
                "--proxy-listen",
                "127.0.0.1:" + proxyPort,
                // The proxy scenario's burst of 200 clients queues at first
                "--queue-length",
                "1000",
                // ... and they all come from loopback, which the connection guard counts as one
                // client (128 connections by default; beyond that they are closed as they open)
                "--max-connections-per-client",
                "1000"));
    if (network == Network.BRIDGE) {
      command.addAll(List.of("--bridge", bridge, "--chamber-subnet", SUBNET, "--dns", "none"));
    }
    process =
        reaper.start(
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())));
  }

  /** Waits until the API answers, reads its token and uploads the sample function. */
  void awaitReady(byte[] sample) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (status("GET", "/healthz") != 200) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(label() + " daemon did not start; see " + log());
      }
      BenchEnv.sleep(100);
    }
    token = Files.readString(dataDir.resolve("api-token")).strip();
    upload(BenchEnv.APP, BenchEnv.VERSION, sample);
  }

  /** Uploads the function {@code app} {@code version} (a tar of its directory). */
  void upload(String app, String version, byte[] archive) throws IOException, InterruptedException {
    HttpResponse<String> upload =
        http.send(
            request("/functions/" + app + "/" + version)
                .timeout(Duration.ofSeconds(120))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(archive))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (upload.statusCode() / 100 != 2) {
      throw new IllegalStateException("uploading " + app + " failed: " + upload.body());
    }
  }

  /** The harness's HTTP client, for scenarios that time requests themselves. */
  HttpClient http() {
    return http;
  }

  String label() {
    return network.label;
  }

  Path log() {
    return root.resolve("daemon.log");
  }

  long pid() {
    return process.pid();
  }

  /**
   * With bridge networking and no chamber left, waits (at most {@code timeout}) until the daemon's
   * network pool is settled: more than half of its 4 namespaces ready (below that it refills, 300
   * ms after the last take) and their number unchanged for 500 ms, so a refill under way has ended.
   * With host networking returns at once.
   */
  void awaitNetworkPoolSettled(Duration timeout) {
    if (network != Network.BRIDGE) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    long last = -1;
    long since = System.nanoTime();
    while (System.nanoTime() < deadline) {
      long count;
      try (Stream<Path> names = Files.list(Path.of("/run/netns"))) {
        count = names.filter(n -> n.getFileName().toString().startsWith(bridge + "-")).count();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (count != last) {
        last = count;
        since = System.nanoTime();
      } else if (count > 2 && System.nanoTime() - since > Duration.ofMillis(500).toNanos()) {
        return;
      }
      BenchEnv.sleep(10);
    }
  }

  /** The daemon's resident memory in MiB. */
  double rssMb() {
    return ProcStats.rssKb(pid()) / 1024.0;
  }

  /** The sample function's overlay layer, as the daemon stored it. */
  Path functionLayer() {
    return functionLayer(BenchEnv.APP, BenchEnv.VERSION);
  }

  /** The overlay layer of function {@code app} {@code version}, as the daemon stored it. */
  Path functionLayer(String app, String version) {
    return dataDir.resolve("functions").resolve(app).resolve(version).resolve("layer");
  }

  // ---- API ----

  /** A request to the API carrying its token (read from the daemon's data directory). */
  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + path))
        .header("Authorization", "Bearer " + token);
  }

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
      throw new UncheckedIOException(label() + ": " + method + " " + path + " failed", e);
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
    return create(runtime, "");
  }

  /** Creates a chamber of the sample function with more spec fields ({@code ,"f":v...}). */
  JsonNode create(String runtime, String moreFields) {
    return create(BenchEnv.APP, BenchEnv.VERSION, runtime, moreFields);
  }

  /** Creates a chamber of function {@code app} {@code version}; returns the API's answer. */
  JsonNode create(String app, String version, String runtime, String moreFields) {
    HttpResponse<String> response =
        send(
            "POST",
            "/chambers",
            "{\"app\":\""
                + app
                + "\",\"version\":\""
                + version
                + "\",\"runtime\":\""
                + runtime
                + "\""
                + moreFields
                + "}");
    if (response.statusCode() != 201) {
      throw new IllegalStateException(label() + ": create failed: " + response.body());
    }
    return read(response.body());
  }

  /**
   * As {@link #create(String, String)}, with {@link dev.impulse.testing.RawHttp} on a connection of
   * its own instead of the JDK's client: for the scenarios that time a start to its first answer.
   */
  JsonNode createBare(String runtime, String moreFields) {
    String spec =
        "{\"app\":\""
            + BenchEnv.APP
            + "\",\"version\":\""
            + BenchEnv.VERSION
            + "\",\"runtime\":\""
            + runtime
            + "\""
            + moreFields
            + "}";
    dev.impulse.testing.RawHttp.Response answer =
        new dev.impulse.testing.RawHttp(new java.net.InetSocketAddress("127.0.0.1", apiPort))
            .request(
                "POST /chambers HTTP/1.1\r\nHost: 127.0.0.1:"
                    + apiPort
                    + "\r\nAuthorization: Bearer "
                    + token
                    + "\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    + "Content-Length: "
                    + spec.getBytes(StandardCharsets.UTF_8).length
                    + "\r\n\r\n"
                    + spec);
    if (answer.status() != 201) {
      throw new IllegalStateException(label() + ": create failed: " + answer.body());
    }
    return read(answer.body());
  }

  /** Sets the runtime's pool of stem cells to {@code size}. */
  void resizePool(String runtime, int size) {
    HttpResponse<String> response =
        send("PUT", "/runtimes/" + runtime + "/pool", "{\"size\":" + size + "}");
    if (response.statusCode() != 200) {
      throw new IllegalStateException(label() + ": resizing the pool failed: " + response.body());
    }
  }

  /** The runtime's pool as {@code GET /runtimes} shows it. */
  JsonNode pool(String runtime) {
    for (JsonNode r : read(send("GET", "/runtimes", null).body())) {
      if (r.get("name").asText().equals(runtime)) {
        return r.get("pool");
      }
    }
    throw new IllegalStateException("no runtime " + runtime);
  }

  /** Waits (at most {@code timeout}) until the pool has {@code ready} cells and none starting. */
  void awaitPool(String runtime, int ready, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode pool = pool(runtime);
      if (pool.get("ready").asInt() >= ready && (ready > 0 || pool.get("starting").asInt() == 0)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(label() + ": the pool did not fill: " + pool);
      }
      try {
        Thread.sleep(20); // polling the API, bounded by the deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  JsonNode chamber(String id) {
    return read(send("GET", "/chambers/" + id, null).body());
  }

  /** The daemon's start-up marks of a chamber ({@code GET /chambers/{id}/startup}). */
  JsonNode startup(String id) {
    return read(send("GET", "/chambers/" + id + "/startup", null).body());
  }

  void destroy(String id) {
    int status = send("DELETE", "/chambers/" + id, null).statusCode();
    if (status != 204 && status != 404) {
      throw new IllegalStateException(label() + ": destroying " + id + " answered " + status);
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
      BenchEnv.sleep(20);
    }
  }

  /** Every chamber's id. */
  List<String> chamberIds() {
    List<String> ids = new ArrayList<>();
    read(send("GET", "/chambers", null).body()).forEach(c -> ids.add(c.get("id").asText()));
    return ids;
  }

  /** How many destroys so far found the chamber still running after the grace period (SIGKILL). */
  long forcedStops() {
    try (Stream<String> lines = Files.lines(log())) {
      return lines.filter(line -> line.contains("; sending SIGKILL")).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- leaks and stopping ----

  private Leaks leakCheck() {
    return new Leaks(dataDir, runDir, network.ports, cgroupParent, bridge);
  }

  /** What its chambers left behind while it runs (its own process and pool allowed). */
  List<String> leaks() {
    return tagged(leakCheck().find(process.isAlive() ? Set.of(pid()) : Set.of()));
  }

  /**
   * Destroys its chambers and stops it (SIGTERM; it removes its bridge, rules and namespaces when
   * no chamber holds a network). Returns what is left: anything {@link #leaks} finds, and its
   * network (bridge, nftables table, namespaces, veths), waited for up to 10 s.
   */
  List<String> stop() {
    List<String> problems = new ArrayList<>();
    if (process.isAlive()) {
      try {
        for (String id : chamberIds()) {
          destroy(id);
        }
      } catch (RuntimeException e) {
        problems.add(label() + ": destroying its chambers failed: " + e.getMessage());
      }
    }
    process.destroy();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        problems.add(label() + ": did not stop within 60 s of SIGTERM; killed");
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    List<String> left = stoppedLeaks();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      BenchEnv.sleep(200);
      left = stoppedLeaks();
    }
    problems.addAll(left);
    return problems;
  }

  private List<String> stoppedLeaks() {
    Leaks leaks = leakCheck();
    List<String> found = new ArrayList<>(leaks.find());
    found.addAll(leaks.network(false));
    return tagged(found);
  }

  private List<String> tagged(List<String> found) {
    return found.stream().map(f -> label() + ": " + f).toList();
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
