package dev.impulse.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.daemon.Daemon;
import dev.impulse.daemon.DaemonConfig;
import dev.impulse.daemon.DaemonConfigBuilder;
import dev.impulse.daemon.ServiceConfig;
import dev.impulse.image.Baseimages;
import dev.impulse.image.Language;
import dev.impulse.image.Mmdebstrap;
import dev.impulse.image.RuntimeCatalog;
import dev.impulse.image.RuntimeDefinition;
import dev.impulse.linux.FileTrees;
import dev.impulse.linux.Reaper;
import dev.impulse.network.HostPorts;
import dev.impulse.network.PortRange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * A real daemon on a scratch data directory, a private run directory, port range and cgroup, for
 * integration tests. Baseimages are shared between fixtures (built once per recipe). Closing it
 * destroys every chamber, stops the daemon, and fails if anything was left behind.
 */
public final class DaemonFixture implements AutoCloseable {
  /** Shared by every fixture: building a baseimage takes half a minute. */
  public static final Path BASEIMAGES =
      Path.of(System.getProperty("impulse.it.baseimages", "/var/tmp/impulse-it/baseimages"));

  private final String name;
  private final Path dataDir;
  private final Path runDir;
  private final PortRange ports;
  private final String cgroupParent;
  private final Options options;
  private final DaemonConfig config;
  private Daemon daemon;
  private Process process;
  private URI api;
  private final Http http = new Http();
  private final Leaks leaks;
  private final String bridge;
  private final String subnet;
  private final long tmpfsMb;

  /**
   * Settings a test may change.
   *
   * @param tweak changes an in-process daemon's configuration further
   * @param extraArgs flags added to a daemon process's command line
   * @param jvmArgs options for a daemon process's JVM
   */
  public record Options(
      int portCount,
      Duration startupTimeout,
      Duration stopGrace,
      long memoryMb,
      Duration healthInterval,
      Path baseimages,
      java.util.function.UnaryOperator<DaemonConfigBuilder> tweak,
      List<String> extraArgs,
      List<String> jvmArgs) {
    public Options(
        int portCount,
        Duration startupTimeout,
        Duration stopGrace,
        long memoryMb,
        Duration healthInterval) {
      this(
          portCount,
          startupTimeout,
          stopGrace,
          memoryMb,
          healthInterval,
          BASEIMAGES,
          b -> b,
          List.of(),
          List.of());
    }

    public static Options defaults() {
      return new Options(
          100, Duration.ofSeconds(30), Duration.ofSeconds(5), 256, Duration.ofMillis(500));
    }

    public Options withPortCount(int count) {
      return new Options(
          count,
          startupTimeout,
          stopGrace,
          memoryMb,
          healthInterval,
          baseimages,
          tweak,
          extraArgs,
          jvmArgs);
    }

    public Options withStartupTimeout(Duration timeout) {
      return new Options(
          portCount,
          timeout,
          stopGrace,
          memoryMb,
          healthInterval,
          baseimages,
          tweak,
          extraArgs,
          jvmArgs);
    }

    /** Baseimages in {@code dir} instead of the shared ones (they are built there on first use). */
    public Options withBaseimages(Path dir) {
      return new Options(
          portCount,
          startupTimeout,
          stopGrace,
          memoryMb,
          healthInterval,
          dir,
          tweak,
          extraArgs,
          jvmArgs);
    }

    /** An in-process daemon's configuration changed by {@code change}. */
    public Options withConfig(java.util.function.UnaryOperator<DaemonConfigBuilder> change) {
      return new Options(
          portCount,
          startupTimeout,
          stopGrace,
          memoryMb,
          healthInterval,
          baseimages,
          b -> change.apply(tweak.apply(b)),
          extraArgs,
          jvmArgs);
    }

    /** A daemon process started with these extra flags. */
    public Options withArgs(String... args) {
      List<String> all = new ArrayList<>(extraArgs);
      all.addAll(List.of(args));
      return new Options(
          portCount,
          startupTimeout,
          stopGrace,
          memoryMb,
          healthInterval,
          baseimages,
          tweak,
          all,
          jvmArgs);
    }

    /** A daemon process whose JVM runs with these options. */
    public Options withJvm(String... args) {
      List<String> all = new ArrayList<>(jvmArgs);
      all.addAll(List.of(args));
      return new Options(
          portCount,
          startupTimeout,
          stopGrace,
          memoryMb,
          healthInterval,
          baseimages,
          tweak,
          extraArgs,
          all);
    }
  }

  /** How the daemon runs: in this JVM, as a process of its own, or in this JVM on a Unix socket. */
  private enum Mode {
    IN_PROCESS,
    PROCESS,
    UNIX_SOCKET
  }

  private DaemonFixture(Options options, Mode mode, long tmpfsMb) {
    boolean asProcess = mode == Mode.PROCESS;
    this.options = options;
    this.name = "it-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    this.dataDir = Path.of("/var/tmp/impulse-it", name);
    this.runDir = Path.of("/run/impulse-" + name);
    this.ports = freeRange(options.portCount());
    this.cgroupParent = "impulse-" + name;
    this.bridge = "it" + name.substring(3, Math.min(name.length(), 10));
    this.subnet = subnetFor(options.portCount());
    this.leaks = new Leaks(dataDir, runDir, ports, cgroupParent, bridge);
    DaemonConfigBuilder builder =
        DaemonConfig.builder()
            .listen("127.0.0.1:" + (asProcess ? freePort() : 0))
            .service(
                new ServiceConfig(
                    DaemonConfig.Listen.parse("127.0.0.1:" + (asProcess ? freePort() : 0)),
                    ServiceConfig.defaults().activationTimeout(),
                    ServiceConfig.defaults().queueLength(),
                    256,
                    ServiceConfig.defaults().upstreamTimeout()))
            .dataDir(dataDir)
            .runDir(runDir)
            .baseimageDir(options.baseimages())
            .portRange(ports)
            .memoryMb(options.memoryMb())
            .startupTimeout(options.startupTimeout())
            .stopGrace(options.stopGrace())
            .logSizeMax(1 << 20)
            .maxFunctionBytes(16 << 20)
            .cgroupParent(cgroupParent)
            .bridge(bridge)
            .chamberSubnet(subnet)
            // Chambers send no query anywhere but to a test's own server (see InternetFixture).
            .dns("none")
            .healthInterval(options.healthInterval())
            .restartBackoff(Duration.ofMillis(200), Duration.ofSeconds(2))
            .eventsRetained(1000)
            .minFreeDiskMb(64)
            // Stem cells only where a test asks for them (PoolIT): the leak checks between tests
            // would count a pool's cells, and each cell costs a start.
            .poolSize(0);
    if (mode == Mode.UNIX_SOCKET) {
      builder.listen("unix:" + runDir.resolve("api.sock"));
    }
    this.config = options.tweak().apply(builder).build();
    this.tmpfsMb = tmpfsMb;
    if (tmpfsMb > 0) {
      mountTmpfs(dataDir, tmpfsMb);
    }
    if (mode == Mode.UNIX_SOCKET) {
      this.daemon = Daemon.start(config);
    } else if (asProcess) {
      REAPER.start();
      startProcess();
    } else {
      this.daemon = Daemon.start(config);
      this.api = URI.create("http://127.0.0.1:" + daemon.apiPort());
      http.authorize(api, token());
    }
  }

  /** Starts a daemon with default options; the Python baseimages are built first if needed. */
  public static DaemonFixture start() {
    return start(Options.defaults());
  }

  public static DaemonFixture start(Options options) {
    if (options.baseimages().equals(BASEIMAGES)) {
      buildBaseimages();
    }
    return new DaemonFixture(options, Mode.IN_PROCESS, 0);
  }

  /**
   * Starts the daemon as a process of its own ({@code java -jar target/impulse.jar daemon}), so a
   * test can kill it and start it again on the same directories.
   */
  public static DaemonFixture startProcess(Options options) {
    buildBaseimages();
    return new DaemonFixture(options, Mode.PROCESS, 0);
  }

  /**
   * Starts an in-process daemon whose data directory is a tmpfs of {@code megabytes}: a file system
   * small enough to fill in a test.
   */
  public static DaemonFixture startOnTmpfs(Options options, long megabytes) {
    buildBaseimages();
    return new DaemonFixture(options, Mode.IN_PROCESS, megabytes);
  }

  /**
   * Starts an in-process daemon serving its API on a Unix socket ({@link #socket()}) only; the
   * fixture's HTTP helpers do not work then.
   */
  public static DaemonFixture startOnUnixSocket() {
    buildBaseimages();
    return new DaemonFixture(Options.defaults(), Mode.UNIX_SOCKET, 0);
  }

  /** The API's Unix socket (for {@link #startOnUnixSocket} fixtures). */
  public Path socket() {
    return config.listen().unixSocket().orElseThrow();
  }

  private static void mountTmpfs(Path dir, long megabytes) {
    try {
      Files.createDirectories(dir);
      Process mount =
          new ProcessBuilder(
                  "mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", dir.toString())
              .redirectErrorStream(true)
              .start();
      String output = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (mount.waitFor() != 0) {
        throw new IllegalStateException("cannot mount a tmpfs at " + dir + ": " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The test JVM adopts the conmon processes of a killed daemon: it must reap them. Processes the
   * fixtures wait for themselves (LocalRegistry's) start through it, so the sweep leaves them be.
   */
  static final OrphanReaper REAPER = new OrphanReaper();

  private void startProcess() {
    startProcess(Map.of());
  }

  /** The daemon's command line, with {@code overrides} replacing flags' values (or adding them). */
  private List<String> command(Map<String, String> overrides) {
    Map<String, String> flags = new java.util.LinkedHashMap<>();
    flags.put("--listen", config.listen().toString());
    flags.put("--data-dir", dataDir.toString());
    flags.put("--run-dir", runDir.toString());
    flags.put("--baseimage-dir", options.baseimages().toString());
    flags.put("--port-range", ports.toString());
    flags.put("--cgroup-parent", cgroupParent);
    flags.put("--bridge", bridge);
    flags.put("--chamber-subnet", subnet);
    flags.put("--dns", config.network().dns().map(DaemonFixture::dnsFlag).orElse(""));
    flags.put("--network", config.network().mode().name().toLowerCase(java.util.Locale.ROOT));
    flags.put("--startup-timeout-ms", Long.toString(options.startupTimeout().toMillis()));
    flags.put("--stop-grace-ms", Long.toString(options.stopGrace().toMillis()));
    flags.put("--health-interval-ms", Long.toString(options.healthInterval().toMillis()));
    flags.put("--restart-backoff-ms", "200");
    flags.put("--max-restart-backoff-ms", "2000");
    flags.put("--memory-mb", Long.toString(options.memoryMb()));
    flags.put("--max-function-bytes", Long.toString(16 << 20));
    flags.put("--min-free-disk-mb", "64");
    flags.put("--pool-size", Integer.toString(config.poolSize()));
    flags.put("--proxy-listen", config.service().listen().toString());
    flags.put("--queue-length", Integer.toString(config.service().queueLength()));
    flags.put(
        "--activation-timeout-ms", Long.toString(config.service().activationTimeout().toMillis()));
    for (int i = 0; i + 1 < options.extraArgs().size(); i += 2) {
      flags.put(options.extraArgs().get(i), options.extraArgs().get(i + 1));
    }
    flags.putAll(overrides);
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(List.of("-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"));
    command.addAll(options.jvmArgs());
    command.addAll(List.of("-jar", jar(), "daemon"));
    flags.forEach((flag, value) -> command.addAll(List.of(flag, value)));
    return command;
  }

  /**
   * Runs the daemon once more with some flags changed, expecting it to refuse to start; returns its
   * exit code and output.
   */
  public Map.Entry<Integer, String> startRefused(Map<String, String> overrides) {
    try {
      Process refused =
          REAPER.start(new ProcessBuilder(command(overrides)).redirectErrorStream(true));
      String output = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!refused.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
        refused.destroyForcibly();
        throw new AssertionError("the daemon did not refuse to start: " + output);
      }
      return Map.entry(refused.exitValue(), output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void startProcess(Map<String, String> overrides) {
    List<String> command = command(overrides);
    try {
      Files.createDirectories(dataDir);
      Files.createDirectories(log().getParent());
      process =
          REAPER.start(
              new ProcessBuilder(command)
                  .redirectErrorStream(true)
                  .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the daemon process", e);
    }
    api = URI.create("http://127.0.0.1:" + config.listen().port());
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        if (http.get(uri("/healthz")).status() == 200) {
          http.authorize(api, token());
          return;
        }
      } catch (UncheckedIOException notYet) {
        // not listening yet
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("the daemon did not come up; see " + log());
      }
      sleep(100);
    }
  }

  private static String jar() {
    String jar = System.getProperty("impulse.jar", "target/impulse.jar");
    if (!Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException(
          jar + " is missing: run the integration tests with mvn verify");
    }
    return jar;
  }

  /** The API token the daemon made in its data directory, as the CLI reads it. */
  public String token() {
    try {
      return Files.readString(config.tokenFile()).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("the daemon wrote no API token to " + config.tokenFile(), e);
    }
  }

  /** The daemon's configuration. */
  public DaemonConfig config() {
    return config;
  }

  /** The daemon process's output, kept with the build's other test reports. */
  public Path log() {
    return Path.of("target", "it-daemon-logs", name + ".log").toAbsolutePath();
  }

  /** Kills the daemon process with SIGKILL; chambers keep running. Returns its exit code. */
  public int kill() {
    process.destroyForcibly();
    return waitForExit();
  }

  /** Stops the daemon process with SIGTERM; chambers keep running. Returns its exit code. */
  public int terminate() {
    process.destroy();
    return waitForExit();
  }

  private int waitForExit() {
    try {
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new IllegalStateException("the daemon did not stop within 30 s");
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Starts the daemon process again on the same directories and ports. */
  public void restart() {
    startProcess();
  }

  /** True while the daemon process runs. */
  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** The run directory (runc's root is under it). */
  public Path runDir() {
    return runDir;
  }

  private static int freePort() {
    try (java.net.ServerSocket socket =
        new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Builds every runtime's baseimage, one after the other, unless it is built. */
  public static void buildBaseimages() {
    buildBaseimages(
        RuntimeCatalog.standard().runtimes().stream()
            .filter(r -> r.language() == Language.PYTHON)
            .map(RuntimeDefinition::name)
            .toArray(String[]::new));
  }

  /**
   * Builds the shared baseimages of {@code runtimes} unless they are built: the Python ones are
   * built for every fixture, a test of another language asks for its own.
   */
  public static void buildBaseimages(String... runtimes) {
    Baseimages baseimages =
        new Baseimages(BASEIMAGES, new Mmdebstrap(Path.of("/usr/bin/mmdebstrap"), new Reaper()));
    for (String runtime : runtimes) {
      baseimages.ensureBuilt(RuntimeCatalog.standard().resolve(runtime));
    }
  }

  /**
   * A block of ports nobody listens on, away from the daemon's default range and below the kernel's
   * ephemeral ports: a test's own client connections (hundreds, in some) must never take a port of
   * the block, or the leak check would find it bound.
   */
  private static PortRange freeRange(int count) {
    HostPorts host = new HostPorts(InetAddress.getLoopbackAddress());
    int below = Math.min(40000, firstEphemeralPort());
    for (int attempt = 0; attempt < 50; attempt++) {
      int first = 20000 + ThreadLocalRandom.current().nextInt(0, below - 20000 - count);
      boolean free = true;
      for (int p = first; p < first + count && free; p++) {
        free = host.isFree(p);
      }
      if (free) {
        return new PortRange(first, first + count - 1);
      }
    }
    throw new IllegalStateException("no block of " + count + " free ports found");
  }

  private static int firstEphemeralPort() {
    // read as a stream: /proc reports a size of 0, and readString then reads too little
    try (var in = Files.newInputStream(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
      String range =
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32768;
    }
  }

  /** The in-process daemon (not for process fixtures). */
  public Daemon daemon() {
    if (daemon == null) {
      throw new IllegalStateException("this fixture runs the daemon as a process");
    }
    return daemon;
  }

  public Path dataDir() {
    return dataDir;
  }

  public PortRange ports() {
    return ports;
  }

  public URI uri(String path) {
    return api.resolve(path);
  }

  public Http http() {
    return http;
  }

  public Http.Response get(String path) {
    return http.get(uri(path));
  }

  public Http.Response post(String path, String json) {
    return http.postJson(uri(path), json);
  }

  public Http.Response delete(String path) {
    return http.send("DELETE", uri(path), null, null);
  }

  public Http.Response put(String path, byte[] body) {
    return http.send("PUT", uri(path), body, "application/x-tar");
  }

  public Http.Response putJson(String path, String json) {
    return http.send(
        "PUT",
        uri(path),
        json.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        "application/json");
  }

  /** PUTs a body read from a stream as it is sent (chunked). */
  public Http.Response putStreaming(
      String path, java.util.function.Supplier<java.io.InputStream> body) {
    return http.sendStreaming("PUT", uri(path), body, "application/x-tar");
  }

  /** Uploads a function and expects it stored. */
  public void upload(String app, String version, byte[] archive) {
    Http.Response response = put("/functions/" + app + "/" + version, archive);
    assertThat(response.status()).as(response.body()).isIn(200, 201);
  }

  /** Creates a chamber and returns it as the API answered (STARTING). */
  public JsonNode create(String app, String version, String runtime) {
    Http.Response response =
        post(
            "/chambers",
            "{\"app\":\""
                + app
                + "\",\"version\":\""
                + version
                + "\",\"runtime\":\""
                + runtime
                + "\"}");
    assertThat(response.status()).as(response.body()).isEqualTo(201);
    return response.json();
  }

  public JsonNode chamber(String id) {
    Http.Response response = get("/chambers/" + id);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.json();
  }

  public List<JsonNode> chambers() {
    List<JsonNode> all = new ArrayList<>();
    get("/chambers").json().forEach(all::add);
    return all;
  }

  /** Waits until the chamber's status satisfies {@code until}; returns the chamber then. */
  public JsonNode awaitStatus(String id, Predicate<String> until, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode chamber = chamber(id);
    while (!until.test(chamber.get("status").asText())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("chamber " + id + " is still " + chamber + " after " + timeout);
      }
      sleep(50);
      chamber = chamber(id);
    }
    return chamber;
  }

  public JsonNode awaitStatus(String id, String status) {
    return awaitStatus(id, status::equals, Duration.ofSeconds(60));
  }

  /** Calls the function in a chamber on its port, with a JSON body. */
  public Http.Response call(int port, String json) {
    return http.postJson(URI.create("http://127.0.0.1:" + port + "/"), json);
  }

  /** Connects to {@code GET /events}, after event {@code lastEventId} (-1: only new ones). */
  public EventStream events(long lastEventId) {
    return new EventStream(uri("/events"), lastEventId, token());
  }

  /** Follows chamber {@code id}'s log from its first line until the chamber is gone. */
  public LogStream followLogs(String id) {
    return new LogStream(uri("/chambers/" + id + "/logs?follow=true"), token());
  }

  /** The edge proxy's address of {@code path}. */
  public URI proxyUri(String path) {
    int port = daemon != null ? daemon.proxyPort() : config.service().listen().port();
    return URI.create("http://127.0.0.1:" + port).resolve(path);
  }

  /** Deletes every deployment, then destroys every chamber, through the API. */
  public void destroyAll() {
    for (JsonNode deployment : get("/deployments").json()) {
      Http.Response response = delete("/deployments/" + deployment.get("app").asText());
      assertThat(response.status()).as(response.body()).isIn(204, 404);
    }
    for (JsonNode chamber : chambers()) {
      Http.Response response = delete("/chambers/" + chamber.get("id").asText());
      assertThat(response.status()).as(response.body()).isIn(204, 404);
    }
  }

  /**
   * Sets every runtime's pool to 0 and waits until its cells are gone, so the leak check that
   * follows sees none.
   */
  public void drainPools() {
    for (JsonNode runtime : get("/runtimes").json()) {
      if (runtime.path("pool").path("size").asInt() > 0) {
        Http.Response resized =
            putJson("/runtimes/" + runtime.get("name").asText() + "/pool", "{\"size\":0}");
        assertThat(resized.status()).as(resized.body()).isEqualTo(200);
      }
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      boolean empty = true;
      for (JsonNode runtime : get("/runtimes").json()) {
        JsonNode pool = runtime.path("pool");
        empty &= pool.path("ready").asInt() == 0 && pool.path("starting").asInt() == 0;
      }
      if (empty) {
        return;
      }
      sleep(50);
    }
    throw new AssertionError("the pools did not empty within 60 s: " + get("/runtimes").body());
  }

  /** After the daemon stopped with no chamber: its bridge, rules and namespaces are gone. */
  private void awaitNetworkGone() {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    List<String> found = leaks.network(false);
    while (!found.isEmpty() && System.nanoTime() < deadline) {
      sleep(100);
      found = leaks.network(false);
    }
    assertThat(found).as("network left behind by the stopped daemon").isEmpty();
  }

  /** Waits (zombies are reaped each second) until nothing is left behind; fails otherwise. */
  public void assertNothingLeaked() {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    java.util.Set<Long> daemonPid =
        process != null && process.isAlive() ? java.util.Set.of(process.pid()) : java.util.Set.of();
    List<String> found = leaks.find(daemonPid);
    while (!found.isEmpty() && System.nanoTime() < deadline) {
      sleep(200);
      found = leaks.find(daemonPid);
    }
    assertThat(found).as("left behind").isEmpty();
  }

  @Override
  public void close() {
    try {
      if (process != null && !process.isAlive()) {
        restart();
      }
      if (api != null) {
        drainPools();
        destroyAll();
      } else {
        daemon.chambers().list().forEach(c -> daemon.chambers().destroy(c.id()));
      }
      assertNothingLeaked();
    } finally {
      if (daemon != null) {
        daemon.close();
      }
      if (process != null && process.isAlive()) {
        terminate();
      }
      leaks.removeCgroupParents();
      awaitNetworkGone();
      try {
        if (tmpfsMb > 0) {
          Process umount = new ProcessBuilder("umount", dataDir.toString()).inheritIO().start();
          if (umount.waitFor() != 0) {
            throw new IllegalStateException("cannot unmount the tmpfs at " + dataDir);
          }
        }
        FileTrees.deleteRecursively(dataDir);
        FileTrees.deleteRecursively(runDir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static String dnsFlag(List<java.net.InetAddress> servers) {
    return servers.isEmpty()
        ? "none"
        : String.join(",", servers.stream().map(java.net.InetAddress::getHostAddress).toList());
  }

  /**
   * A private subnet of its own for each daemon (10.200.0.0 to 10.249.255.255, which these machines
   * do not route): a /24 when the port range fits, a /20 otherwise.
   */
  private static String subnetFor(int portCount) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int second = 200 + random.nextInt(50);
    if (portCount <= 250) {
      return "10." + second + "." + random.nextInt(256) + ".0/24";
    }
    return "10." + second + "." + (random.nextInt(16) * 16) + ".0/20";
  }

  /** The daemon's bridge. */
  public String bridge() {
    return bridge;
  }

  /**
   * Removes the daemon's network as a reboot would: its chambers' namespaces and veths, the bridge
   * and the nftables tables. Call with the daemon stopped.
   */
  public void removeNetwork() {
    List<String> batch = new ArrayList<>();
    for (String dir : List.of("/sys/class/net", "/run/netns")) {
      try (java.util.stream.Stream<Path> entries = Files.list(Path.of(dir))) {
        for (Path entry : entries.toList()) {
          String name = entry.getFileName().toString();
          if (name.matches(bridge + "-\\d+") || name.equals(bridge)) {
            batch.add(dir.startsWith("/run") ? "netns del " + name : "link del " + name);
          }
        }
      } catch (IOException e) {
        // nothing there
      }
    }
    run(List.of("ip", "-force", "-batch", "-"), String.join("\n", batch) + "\n");
    for (String family : List.of("inet", "bridge")) {
      run(List.of("nft", "delete", "table", family, "impulse_" + bridge), "");
    }
  }

  private static void run(List<String> command, String input) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().close();
      p.getInputStream().readAllBytes();
      p.waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The bridge's own address: the chambers' gateway, an address of the host. */
  public String gateway() {
    String[] octets = subnet.substring(0, subnet.indexOf('/')).split("\\.");
    return octets[0] + "." + octets[1] + "." + octets[2] + "." + (Integer.parseInt(octets[3]) + 1);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The directory name tests put scratch files in. */
  public String name() {
    return name;
  }

  /** True when a file exists under the data directory. */
  public boolean exists(String relative) {
    return Files.exists(dataDir.resolve(relative));
  }
}
