package dev.impulse.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.image.Baseimage;
import dev.impulse.image.Overlay;
import dev.impulse.linux.FileTrees;
import dev.impulse.linux.Mounts;
import dev.impulse.runtime.ContainerConfig;
import dev.impulse.runtime.OciSpecs;
import dev.impulse.runtime.ResourceLimits;
import dev.impulse.runtime.SeccompProfile;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The baselines: the same wrapper, guest and baseimage, with the same config.json impulse writes,
 * started without impulse. {@link Kind#OVERLAY} is raw runc (overlay mount, {@code runc run -d});
 * {@link Kind#EXTRACTED} is the proof of concept's method (extract the baseimage and guest tars
 * into a fresh root file system, then {@code runc run -d}). The guest is a function layer as an
 * impulse daemon stored it (the sample function's unless one is given), run with its runtime's
 * command ({@code RuntimeDefinition.command}: the language's wrapper, or a native guest itself).
 * Unlike impulse's chambers, it has no CPU limit unless one is given.
 */
final class RawContainer implements AutoCloseable {
  /** The unprivileged user impulse runs a chamber on port P as: this plus P. */
  private static final int UID_BASE = 2_000_000_000;

  enum Kind {
    OVERLAY,
    EXTRACTED,
    /** The overlay, but a bare interpreter instead of the wrapper: {@link #FLOOR_SCRIPT}. */
    FLOOR
  }

  /**
   * The floor of a Python cold start: the interpreter imports the guest and answers HTTP with the
   * socket module alone (one request per connection, the body read by its Content-Length).
   */
  static final String FLOOR_SCRIPT =
      """
      import os, socket, sys
      sys.path.insert(0, "/opt/guest")
      import main
      s = socket.socket()
      s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
      s.bind(("127.0.0.1", int(os.environ["SKYHOOK_PORT"])))
      s.listen(128)
      while True:
          c, _ = s.accept()
          data = b""
          while b"\\r\\n\\r\\n" not in data:
              part = c.recv(65536)
              if not part:
                  break
              data += part
          head, _, body = data.partition(b"\\r\\n\\r\\n")
          length = 0
          for line in head.split(b"\\r\\n")[1:]:
              name, _, value = line.partition(b":")
              if name.strip().lower() == b"content-length":
                  length = int(value)
          while len(body) < length:
              part = c.recv(65536)
              if not part:
                  break
              body += part
          c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n"
                    b"Content-Length: 2\\r\\nConnection: close\\r\\n\\r\\n{}")
          c.close()
      """;

  private static final ObjectMapper JSON = new ObjectMapper();

  final String id;
  final int port;
  final Instant began;
  Instant rootReady;
  Instant configured;
  Instant runReturned;
  private final BenchEnv env;
  private final Kind kind;
  private final Path functionLayer;
  private final OptionalDouble cpus;
  private final Path dir;

  private RawContainer(
      BenchEnv env, Kind kind, Path functionLayer, OptionalDouble cpus, String id, int port) {
    this.env = env;
    this.kind = kind;
    this.functionLayer = functionLayer;
    this.cpus = cpus;
    this.id = id;
    this.port = port;
    this.dir = env.root.resolve("raw").resolve(id);
    this.began = Instant.now();
  }

  /**
   * Starts one of the sample function, with no CPU limit: the clock runs from before the root file
   * system is made.
   */
  static RawContainer start(BenchEnv env, Kind kind, String runtime, PocImages poc) {
    return start(env, kind, runtime, env.functionLayer(), OptionalDouble.empty(), poc);
  }

  /**
   * Starts one of the function whose layer (as a daemon stored it) is {@code functionLayer},
   * limited to {@code cpus} cores (none when empty); the clock runs from before the root file
   * system is made.
   */
  static RawContainer start(
      BenchEnv env,
      Kind kind,
      String runtime,
      Path functionLayer,
      OptionalDouble cpus,
      PocImages poc) {
    String prefix =
        switch (kind) {
          case OVERLAY -> "raw-";
          case EXTRACTED -> "poc-";
          case FLOOR -> "floor-";
        };
    String id = prefix + Long.toString(System.nanoTime(), 36);
    RawContainer c = new RawContainer(env, kind, functionLayer, cpus, id, env.rawPort());
    c.run(runtime, poc);
    return c;
  }

  private void run(String runtime, PocImages poc) {
    Baseimage base = env.baseimage(runtime);
    try {
      Files.createDirectories(dir.resolve("rootfs"));
      if (kind != Kind.EXTRACTED) {
        Files.createDirectories(dir.resolve("upper"));
        Files.createDirectories(dir.resolve("work"));
        List<Path> layers = new ArrayList<>();
        layers.add(functionLayer);
        layers.addAll(base.layers());
        new Overlay(layers, dir.resolve("upper"), dir.resolve("work"), dir.resolve("rootfs"))
            .mount();
      } else {
        tar("-xf", poc.baseTar(runtime).toString(), "-C", dir.resolve("rootfs").toString());
        Path guest = dir.resolve("rootfs/opt/guest");
        Files.createDirectories(guest);
        tar("-xf", poc.guestTar(functionLayer).toString(), "-C", guest.toString());
      }
      rootReady = Instant.now();
      Files.createFile(dir.resolve("termination-log"));
      // the same unprivileged user impulse gives a chamber on this port
      Files.setAttribute(dir.resolve("termination-log"), "unix:uid", UID_BASE + port);
      Files.setAttribute(dir.resolve("termination-log"), "unix:gid", UID_BASE + port);
      JSON.writeValue(
          dir.resolve("config.json").toFile(),
          OciSpecs.toOciSpec(config(base), SeccompProfile.forChamber()));
      configured = Instant.now();
      Process runc =
          new ProcessBuilder(
                  "/usr/sbin/runc",
                  "--root=" + env.root.resolve("raw-run/runc"),
                  "run",
                  "-d",
                  "--bundle",
                  dir.toString(),
                  "--pid-file",
                  dir.resolve("pid").toString(),
                  id)
              .redirectInput(new File("/dev/null"))
              .redirectOutput(dir.resolve("out.log").toFile())
              .redirectErrorStream(true)
              .start();
      if (runc.waitFor() != 0) {
        throw new IllegalStateException(
            "runc run " + id + " failed: " + Files.readString(dir.resolve("out.log")));
      }
      runReturned = Instant.now();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** What impulse's launcher would ask for this chamber (ChamberLauncher.containerConfig). */
  private ContainerConfig config(Baseimage base) {
    Map<String, String> envVars = new LinkedHashMap<>();
    envVars.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    envVars.put("HOME", "/tmp"); // as impulse: the only writable place
    envVars.put("LANG", "C.UTF-8");
    envVars.putAll(base.runtime().language().environment());
    envVars.put("SKYHOOK_PORT", Integer.toString(port));
    envVars.put("SKYHOOK_HOST", "127.0.0.1");
    envVars.put("SKYHOOK_CHAMBER_ID", id);
    envVars.put("SKYHOOK_APP", BenchEnv.APP);
    envVars.put("SKYHOOK_VERSION", BenchEnv.VERSION);
    envVars.put("SKYHOOK_GUEST_DIR", "/opt/guest");
    envVars.put("SKYHOOK_TERMINATION_LOG", "/dev/termination-log");
    List<ContainerConfig.BindMount> binds = new ArrayList<>();
    binds.add(
        new ContainerConfig.BindMount(
            dir.resolve("termination-log"), "/dev/termination-log", false));
    for (String file : List.of("/etc/resolv.conf", "/etc/hosts")) {
      if (Files.isRegularFile(Path.of(file))) {
        binds.add(new ContainerConfig.BindMount(Path.of(file), file, true));
      }
    }
    return new ContainerConfig(
        id,
        dir.resolve("rootfs"),
        id,
        kind == Kind.FLOOR
            ? List.of(base.runtime().interpreter().orElseThrow(), "-s", "-c", FLOOR_SCRIPT)
            // as impulse sizes a JVM: the function's memory (--memory-mb 256) and its CPUs (none
            // when unlimited: the JVM's own guess)
            : base.runtime().command(256L << 20, cpus.orElse(0)),
        envVars,
        binds,
        // impulse's defaults: --memory-mb 256 plus --disk-mb 256, the /tmp whose pages it pays for
        new ResourceLimits((256L + 256L) << 20, 512, cpus),
        "/" + env.rawCgroupParent + "/" + id,
        Map.of(),
        UID_BASE + port,
        256L << 20,
        java.util.Optional.empty()); // raw runc on the host's network, as impulse's --network host
  }

  static void tar(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("tar"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
  }

  @Override
  public void close() {
    try {
      String root = "--root=" + env.root.resolve("raw-run/runc");
      new ProcessBuilder("/usr/sbin/runc", root, "delete", "--force", id)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor();
      if (kind != Kind.EXTRACTED) {
        Mounts.unmount(dir.resolve("rootfs"));
      }
      FileTrees.deleteRecursively(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
