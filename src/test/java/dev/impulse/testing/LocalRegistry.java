package dev.impulse.testing;

import dev.impulse.linux.FileTrees;
import dev.impulse.oci.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real OCI registry for integration tests: Debian's {@code docker-registry} (the CNCF
 * distribution registry) serving plain HTTP on a free port of 127.0.0.1, with its storage in a
 * scratch directory of its own. {@link #start} returns once {@code GET /v2/} answers; {@link
 * #close} stops the process, waits for it and deletes the scratch directory. Tests may read and
 * change the storage (to corrupt a blob, say) through {@link #blobData}.
 */
public final class LocalRegistry implements AutoCloseable {
  private static final Path BINARY = Path.of("/usr/bin/docker-registry");
  private static final Duration STARTUP = Duration.ofSeconds(30);
  private static final Duration STOP = Duration.ofSeconds(10);
  private static final int ATTEMPTS = 3;

  private final Path scratch;
  private final int port;
  private final Process process;

  private LocalRegistry(Path scratch, int port, Process process) {
    this.scratch = scratch;
    this.port = port;
    this.process = process;
  }

  /** Starts a process: how the registry's process is started, so a subreaper's sweep spares it. */
  @FunctionalInterface
  public interface Launcher {
    Process start(ProcessBuilder builder) throws IOException;
  }

  /** Starts a registry; fails naming what the registry printed if it does not come up. */
  public static LocalRegistry start() throws IOException {
    return start(DaemonFixture.REAPER::start);
  }

  /**
   * Starts a registry whose process {@code launcher} starts (a harness that reaps orphans itself
   * passes its own reaper's); fails naming what the registry printed if it does not come up.
   */
  public static LocalRegistry start(Launcher launcher) throws IOException {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(
          BINARY + " is missing: install the Debian package docker-registry (scripts/test does)");
    }
    Path scratch = Files.createTempDirectory("impulse-registry-");
    try {
      IOException last = null;
      for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        int port = freePort();
        Process process = launch(launcher, scratch, port);
        try {
          awaitReady(process, port, scratch);
          return new LocalRegistry(scratch, port, process);
        } catch (IOException e) {
          stop(process);
          last = e; // most likely the port was taken between the probe and the bind: try another
        }
      }
      throw last;
    } catch (IOException | RuntimeException e) {
      FileTrees.deleteRecursively(scratch);
      throw e;
    }
  }

  /** {@code 127.0.0.1:PORT}, as an image reference names the registry. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  /** The registry's storage root (its {@code rootdirectory}). */
  public Path storage() {
    return scratch.resolve("storage");
  }

  /** The file holding the blob {@code digest} in the storage, whether or not it exists yet. */
  public Path blobData(Digest digest) {
    return storage()
        .resolve("docker/registry/v2/blobs/sha256")
        .resolve(digest.hex().substring(0, 2))
        .resolve(digest.hex())
        .resolve("data");
  }

  /** What the registry has printed so far (warnings and errors: its access log is off). */
  public String log() {
    return readLog(scratch);
  }

  @Override
  public String toString() {
    return "docker-registry on " + host() + " (pid " + process.pid() + ", " + scratch + ")";
  }

  /**
   * Stops the registry, waits for it to end, and deletes its scratch directory; harmless once it is
   * closed.
   */
  @Override
  public void close() throws IOException {
    try {
      stop(process);
    } finally {
      FileTrees.deleteRecursively(scratch);
    }
    if (process.isAlive()) {
      throw new IllegalStateException("docker-registry (pid " + process.pid() + ") outlived close");
    }
  }

  private static Process launch(Launcher launcher, Path scratch, int port) throws IOException {
    Path config = scratch.resolve("config.yml");
    Files.writeString(
        config,
        """
        version: 0.1
        log:
          level: warn
          accesslog:
            disabled: true
        storage:
          filesystem:
            rootdirectory: %s
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:%d
          secret: %s
        """
            .formatted(scratch.resolve("storage"), port, UUID.randomUUID()));
    ProcessBuilder builder =
        new ProcessBuilder(BINARY.toString(), "serve", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(scratch.resolve("registry.log").toFile());
    return launcher.start(builder); // a subreaper's sweep must leave it to the JDK
  }

  /** Polls {@code GET /v2/} until it answers 200, the process dies, or the deadline passes. */
  private static void awaitReady(Process process, int port, Path scratch) throws IOException {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    URI probe = URI.create("http://127.0.0.1:" + port + "/v2/");
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "docker-registry exited with " + process.exitValue() + ": " + readLog(scratch));
      }
      try {
        HttpURLConnection connection = (HttpURLConnection) probe.toURL().openConnection();
        connection.setConnectTimeout(500);
        connection.setReadTimeout(1000);
        try {
          if (connection.getResponseCode() == 200) {
            return;
          }
        } finally {
          connection.disconnect();
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for docker-registry", e);
      }
    }
    throw new IOException(
        "docker-registry did not answer GET /v2/ within " + STARTUP + ": " + readLog(scratch));
  }

  private static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }

  private static String readLog(Path scratch) {
    try {
      Path log = scratch.resolve("registry.log");
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8).strip() : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
