package dev.impulse.image;

import dev.impulse.linux.RootedDir;
import dev.impulse.linux.RootedDir.FileType;
import dev.impulse.linux.RootedDir.Resolution;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The language of a runtime: how its wrapper is started, what a guest of it looks like, and what a
 * stem cell of it can still take once started. Each language's wrapper lives in the skyhook layer
 * ({@link SkyhookLayer}); {@link #BINARY} has none: its guest is the server.
 */
public enum Language {
  /** {@code main.py} defining {@code skyhook(request, meta)}; wrapper {@code skyhook.py}. */
  PYTHON("python", "Python", "main.py defining skyhook(request, meta)"),
  /** {@code index.js} exporting {@code skyhook(request, meta)}; wrapper {@code skyhook.mjs}. */
  NODE("node", "Node.js", "index.js exporting skyhook(request, meta)"),
  /** Jars, one naming its function in {@code Skyhook-Function}; wrapper {@code skyhook.jar}. */
  JAVA("java", "Java", "a jar whose manifest names its function in Skyhook-Function"),
  /** An executable file {@code skyhook} that serves HTTP on {@code SKYHOOK_PORT} itself. */
  BINARY("binary", "native", "an executable named skyhook that serves HTTP on SKYHOOK_PORT");

  /** Where the wrappers are inside a chamber. */
  public static final String SKYHOOK_DIR = "/opt/skyhook";

  /** Where a binary guest's executable is inside a chamber. */
  static final String BINARY_ENTRY = FunctionStore.GUEST_DIR + "/skyhook";

  private final String id;
  private final String title;
  private final String guestShape;

  Language(String id, String title, String guestShape) {
    this.id = id;
    this.title = title;
    this.guestShape = guestShape;
  }

  /** The name the API uses: {@code python}, {@code node}, {@code java} or {@code binary}. */
  public String id() {
    return id;
  }

  /** A sentence saying what a guest of this language is, for error messages. */
  public String guestShape() {
    return title + " guest: " + guestShape;
  }

  /** The language called {@code id}. */
  public static Optional<Language> byId(String id) {
    for (Language language : values()) {
      if (language.id.equals(id)) {
        return Optional.of(language);
      }
    }
    return Optional.empty();
  }

  /**
   * The chamber's command: the wrapper run by {@code interpreter}, or a binary guest itself.
   *
   * @param interpreter the runtime's interpreter inside its root file system
   */
  public List<String> command(Optional<String> interpreter) {
    return command(interpreter, 0, 0);
  }

  /**
   * The chamber's command for a chamber of {@code memoryBytes} and {@code cpus}: a JVM sizes its
   * heap and its threads from them at start, and cannot see the chamber's cgroup to learn them.
   *
   * @param memoryBytes the function's memory (0: the JVM's own guess, from the host's RAM)
   * @param cpus its CPUs (0: the JVM's own guess)
   */
  public List<String> command(Optional<String> interpreter, long memoryBytes, double cpus) {
    return switch (this) {
      case PYTHON -> List.of(required(interpreter), "-s", SKYHOOK_DIR + "/skyhook.py");
      case NODE -> List.of(required(interpreter), SKYHOOK_DIR + "/skyhook.mjs");
      case JAVA -> {
        List<String> command = new ArrayList<>();
        command.add(required(interpreter));
        // The serial collector: one GC thread, and the smallest footprint for heaps of a chamber's
        // size. No performance data file in /tmp (the chamber's disk). Half of the limit as heap:
        // the limit holds /tmp and the JVM's own memory too.
        command.addAll(
            List.of(
                "-XX:+UseSerialGC", "-XX:-UsePerfData", "-XX:MaxRAMPercentage=50", "-Xshare:auto"));
        if (memoryBytes > 0) {
          command.add("-XX:MaxRAM=" + memoryBytes);
        }
        if (cpus > 0) {
          command.add("-XX:ActiveProcessorCount=" + (int) Math.ceil(cpus));
        }
        command.addAll(List.of("-cp", SKYHOOK_DIR + "/skyhook.jar", "dev.impulse.skyhook.Skyhook"));
        yield List.copyOf(command);
      }
      case BINARY -> List.of(BINARY_ENTRY);
    };
  }

  /** Environment the wrapper's language wants before any guest code runs. */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    switch (this) {
      case PYTHON -> {
        env.put("PYTHONUNBUFFERED", "1");
        env.put("PYTHONDONTWRITEBYTECODE", "1");
      }
      case NODE, JAVA, BINARY -> {}
    }
    return env;
  }

  /**
   * Whether the wrapper's process is sized at its start by the chamber's memory and CPUs (a JVM's
   * heap and threads): a stem cell of it takes only specs of the default size.
   */
  public boolean sizedAtStart() {
    return this == JAVA;
  }

  /** Whether stem cells of this language can be started ahead: not for a binary, the guest. */
  public boolean hasStemCells() {
    return this != BINARY;
  }

  /**
   * Whether a started stem cell can still take an environment variable: not one its interpreter (or
   * the dynamic loader) reads only at start, and for Java none, since a JVM cannot change the
   * environment {@code System.getenv} shows.
   */
  public boolean cellTakes(String variable) {
    if (variable.startsWith("LD_") || variable.startsWith("LC_") || variable.equals("LANG")) {
      return false;
    }
    return switch (this) {
      case PYTHON -> !variable.startsWith("PYTHON");
      case NODE -> !variable.startsWith("NODE_") && !variable.startsWith("UV_");
      case JAVA, BINARY -> false;
    };
  }

  /**
   * Whether {@code dir} inside {@code root} (relative, {@code ""} for its top) holds a guest of
   * this language. Asked through the rooted directory: an entry may be a link, but only to a file
   * inside.
   */
  boolean isGuest(RootedDir root, String dir) {
    String prefix = dir.isEmpty() ? "" : dir + "/";
    return switch (this) {
      case PYTHON -> root.follow(prefix + "main.py") == Resolution.FILE;
      case NODE -> root.follow(prefix + "index.js") == Resolution.FILE;
      case JAVA ->
          root.list(dir.isEmpty() ? "." : dir).stream()
              .anyMatch(n -> n.endsWith(".jar") && root.follow(prefix + n) == Resolution.FILE);
      case BINARY ->
          // a file, not a link: its own mode is what the kernel checks at exec
          root.stat(prefix + "skyhook")
              .map(s -> s.type() == FileType.FILE && (s.permissions() & 0111) != 0)
              .orElse(false);
    };
  }

  /** Whether {@code dir} inside {@code root} holds a guest of any language. */
  static boolean anyGuest(RootedDir root, String dir) {
    for (Language language : values()) {
      if (language.isGuest(root, dir)) {
        return true;
      }
    }
    return false;
  }

  private String required(Optional<String> interpreter) {
    return interpreter.orElseThrow(
        () -> new IllegalStateException("a " + title + " runtime needs an interpreter"));
  }
}
