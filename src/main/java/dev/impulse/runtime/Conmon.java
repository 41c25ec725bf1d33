package dev.impulse.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.linux.Processes;
import dev.impulse.linux.Reaper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates containers under conmon, the monitor podman and CRI-O use: conmon runs {@code runc
 * create}, reports the container's pid (or runc's error) through the sync pipe ({@code
 * _OCI_SYNCPIPE}), then detaches and stays with the container for its whole life, writing its
 * output to a size-capped k8s-file log and its exit code to the exit directory. The container is
 * left created; {@link ExecFifo} starts it. Thread-safe.
 */
public final class Conmon {
  static final int SYNC_PIPE_FD = 3;
  static final int START_PIPE_FD = 4;
  static final Duration CREATE_TIMEOUT = Duration.ofSeconds(60);

  private final Path binary;
  private final Runc runc;
  private final Path exitDir;
  private final Path socketDir;
  private final long logSizeMax;
  private final ObjectMapper json;
  private final Reaper reaper;

  /**
   * @param binary the conmon program
   * @param runc the runtime conmon runs (its binary and root)
   * @param exitDir where conmon writes each container's exit code, in a file named by its id
   * @param socketDir where conmon keeps its attach-socket links
   * @param logSizeMax the size beyond which conmon truncates a container's log
   * @param reaper keeps a held conmon's pid from its sweep until the conmon is reaped here
   */
  public Conmon(
      Path binary,
      Runc runc,
      Path exitDir,
      Path socketDir,
      long logSizeMax,
      ObjectMapper json,
      Reaper reaper) {
    this.binary = binary;
    this.runc = runc;
    this.exitDir = exitDir;
    this.socketDir = socketDir;
    this.logSizeMax = logSizeMax;
    this.json = json;
    this.reaper = reaper;
  }

  /** The pids conmon reported: the container's first process and conmon itself. */
  public record Created(int containerPid, int conmonPid) {}

  /**
   * Starts conmon for container {@code id} and leaves it waiting on its start pipe ({@code
   * _OCI_STARTPIPE}) until {@link Pending#create} is called: conmon's own start-up (about 20 ms
   * here) then overlaps with mounting the root file system and writing config.json. The bundle
   * directory must exist; config.json need not yet.
   */
  public Pending spawn(String id, ContainerFiles files) {
    List<String> argv = command(id, files);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("_OCI_SYNCPIPE", Integer.toString(SYNC_PIPE_FD));
    env.put("_OCI_STARTPIPE", Integer.toString(START_PIPE_FD));
    // In the bundle: besides the one in --persist-dir, conmon writes an "oom" file to its working
    // directory when the OOM killer acts, which would otherwise be the daemon's.
    return new Pending(
        id,
        files,
        reaper.spawnKept(
            () ->
                Processes.spawn(
                    argv, env, SYNC_PIPE_FD, START_PIPE_FD, files.conmonLog(), files.bundle()),
            Processes.Spawned::pid));
  }

  /**
   * A conmon waiting to create its container. Closing one that was never told to create kills it,
   * so no container appears.
   */
  public final class Pending implements AutoCloseable {
    private final String id;
    private final ContainerFiles files;
    private final Processes.Spawned spawned;
    private boolean told;
    private boolean gone; // reaped here: its pid is no longer conmon's

    private Pending(String id, ContainerFiles files, Processes.Spawned spawned) {
      this.id = id;
      this.files = files;
      this.spawned = spawned;
    }

    /** conmon's pid (its first process: it forks the monitor when told to create). */
    public int pid() {
      return spawned.pid();
    }

    /** Lets conmon run runc create and waits for its report. */
    public Created create() {
      told = true;
      try {
        try {
          spawned.toChild().write(0);
          spawned.toChild().close();
        } catch (IOException e) {
          throw new ContainerCreateException(
              id,
              "conmon ended before it could be told to create; " + lastLines(files.conmonLog()),
              e);
        }
        return parseReply(id, files, readReply(id, files, spawned));
      } finally {
        // conmon's first process only forks the monitor and exits; collect it now, or the reaper's
        // next sweep will.
        Processes.reapIfEnded(spawned.pid());
        gone = true;
        reaper.release(spawned.pid());
      }
    }

    /**
     * Throws, with the end of conmon's log, unless conmon still runs (it may have ended while the
     * start was being made).
     */
    public void requireRunning() {
      if (!gone && !Processes.childRunning(spawned.pid())) {
        gone = true;
        reaper.release(spawned.pid());
      }
      if (gone) {
        throw new ContainerCreateException(
            id, "conmon ended before it could be told to create; " + lastLines(files.conmonLog()));
      }
    }

    /**
     * Kills a conmon never told to create, before its start pipe closes (which would let it go on
     * to runc create). Should the kill itself fail, the pipe stays open and conmon held.
     */
    @Override
    public void close() {
      if (!gone) {
        Processes.killChild(spawned.pid()); // kept from the sweep: still ours, or reaped here
        gone = true;
        reaper.release(spawned.pid());
      }
      closeQuietly(spawned.fromChild());
      closeQuietly(spawned.toChild());
    }
  }

  private static void closeQuietly(java.io.Closeable pipe) {
    try {
      pipe.close();
    } catch (IOException ignored) {
      // the pipes are gone with the process either way
    }
  }

  List<String> command(String id, ContainerFiles files) {
    List<String> argv = new ArrayList<>();
    argv.add(binary.toString());
    argv.addAll(List.of("--api-version", "1"));
    argv.addAll(List.of("--cid", id, "--cuuid", attachKey(id), "--name", id));
    argv.addAll(List.of("--runtime", runc.binary().toString()));
    argv.addAll(List.of("--bundle", files.bundle().toString()));
    argv.addAll(List.of("--container-pidfile", files.containerPid().toString()));
    argv.addAll(List.of("--conmon-pidfile", files.conmonPid().toString()));
    argv.addAll(List.of("--log-path", "k8s-file:" + files.log()));
    argv.addAll(List.of("--log-size-max", Long.toString(logSizeMax)));
    argv.addAll(List.of("--exit-dir", exitDir.toString()));
    argv.addAll(List.of("--persist-dir", files.bundle().toString()));
    argv.addAll(List.of("--socket-dir-path", socketDir.toString()));
    // conmon would otherwise sync(2) every file system when a container ends: costly under churn,
    // and the exit file is written atomically either way.
    argv.add("--no-sync-log");
    argv.addAll(List.of("--runtime-arg", "--root=" + runc.root()));
    argv.addAll(List.of("--runtime-arg", "--log-format=json"));
    argv.addAll(List.of("--runtime-arg", "--log=" + files.runcLog()));
    return argv;
  }

  /**
   * The short key conmon names the container's attach-socket link by. Ids can be longer than a unix
   * socket path allows, so a digest of the id is used.
   */
  public static String attachKey(String id) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /** The attach-socket link conmon leaves in the socket directory for container {@code id}. */
  public Path attachLink(String id) {
    return socketDir.resolve(attachKey(id));
  }

  private String readReply(String id, ContainerFiles files, Processes.Spawned spawned) {
    CompletableFuture<String> line =
        CompletableFuture.supplyAsync(
            () -> {
              try (BufferedReader reader =
                  new BufferedReader(
                      new InputStreamReader(spawned.fromChild(), StandardCharsets.UTF_8))) {
                return Optional.ofNullable(reader.readLine()).orElse("");
              } catch (IOException e) {
                return "";
              }
            },
            Thread::startVirtualThread);
    try {
      return line.get(CREATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      killConmon(files);
      throw new ContainerCreateException(
          id, "conmon did not report within " + CREATE_TIMEOUT.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      killConmon(files);
      throw new ContainerCreateException(id, "interrupted", e);
    } catch (ExecutionException e) {
      throw new ContainerCreateException(id, "reading conmon's reply failed", e.getCause());
    }
  }

  private Created parseReply(String id, ContainerFiles files, String reply) {
    if (reply.isBlank()) {
      throw new ContainerCreateException(
          id, "conmon ended without a reply; " + lastLines(files.conmonLog()));
    }
    JsonNode node;
    try {
      node = json.readTree(reply);
    } catch (IOException e) {
      throw new ContainerCreateException(id, "conmon replied with what is not JSON: " + reply);
    }
    int pid = node.path("data").asInt(-1);
    if (pid <= 0) {
      String message = node.path("message").asText("");
      String runcError = runcError(files.runcLog());
      throw new ContainerCreateException(
          id, runcError.isEmpty() ? (message.isEmpty() ? reply : message) : runcError);
    }
    return new Created(pid, readPid(files.conmonPid()).orElse(-1));
  }

  /** The last error runc logged (JSON lines: {"level":"error","msg":...}). */
  private String runcError(Path runcLog) {
    try {
      if (!Files.exists(runcLog)) {
        return "";
      }
      String found = "";
      for (String line : Files.readAllLines(runcLog)) {
        JsonNode entry = json.readTree(line);
        if ("error".equals(entry.path("level").asText())) {
          found = entry.path("msg").asText();
        }
      }
      return found;
    } catch (IOException e) {
      return "";
    }
  }

  private static String lastLines(Path file) {
    try {
      List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
      return lines.isEmpty()
          ? "it wrote nothing"
          : "its last words: "
              + String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    } catch (IOException e) {
      return "its log is unreadable";
    }
  }

  private static void killConmon(ContainerFiles files) {
    readPid(files.conmonPid()).ifPresent(pid -> Processes.signal(pid, 9));
  }

  /**
   * True while {@code pid} is a live conmon monitoring container {@code id} (not a zombie, and not
   * another process that reused the pid).
   */
  public static boolean monitors(int pid, String id) {
    if (!Processes.isRunning(pid)) {
      return false;
    }
    try {
      String cmdline = Files.readString(Path.of("/proc", Integer.toString(pid), "cmdline"));
      return cmdline.contains("\0--cid\0" + id + "\0");
    } catch (IOException e) {
      return false;
    }
  }

  /** The runc root a live conmon {@code pid} was started with ({@code --root=}), if readable. */
  public static Optional<Path> runtimeRootOf(int pid) {
    try {
      String cmdline = Files.readString(Path.of("/proc", Integer.toString(pid), "cmdline"));
      for (String arg : cmdline.split("\0")) {
        if (arg.startsWith("--root=")) {
          return Optional.of(Path.of(arg.substring("--root=".length())));
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Reads a pid file; empty when it is missing or malformed. */
  public static Optional<Integer> readPid(Path pidFile) {
    try {
      return Optional.of(Integer.parseInt(Files.readString(pidFile).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }
}
