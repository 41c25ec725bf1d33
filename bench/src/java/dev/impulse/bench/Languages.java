package dev.impulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.daemon.Defaults;
import dev.impulse.image.Language;
import dev.impulse.image.RuntimeCatalog;
import dev.impulse.image.RuntimeDefinition;
import dev.impulse.testing.Guests;
import dev.impulse.testing.Tars;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.Stream;

/**
 * Scenario "languages" (issue 12): the cold start of each language's runtime, from {@code POST
 * /chambers} on the bridge daemon to the first successful call, against raw runc of the same
 * runtime's baseimage and the same guest, run with the runtime's own command (its wrapper, or a
 * native guest itself) and the config.json impulse writes. impulse limits every chamber to its
 * default {@code --cpus} (one core), and a JVM sizes itself by that limit, so the raw baseline runs
 * with the same limit, and once more without any (what the other scenarios' raw baseline does).
 *
 * <p>Each language runs its example: {@code examples/sampleapp} (python3.11), {@code
 * examples/node-hello} (node20), {@code examples/java-hello} compiled into a jar (java21) and
 * {@code examples/binary-hello} compiled static with gcc (binary). Each is built once per run and
 * uploaded to the bridge daemon; the raw containers mount the very layer the daemon stored. The
 * daemon runs with {@code --pool-size 0}, so every create starts cold (checked: each chamber's
 * {@code /startup} must say {@code cold}).
 *
 * <p>Every round starts one of each (language, method), one after the other, each destroyed before
 * the next begins. The order of the languages rotates from round to round and runs backwards every
 * other cycle, and so, independently, does the order of the methods within a language, as in {@link
 * ColdStart}.
 */
final class Languages {
  static final List<String> RUNTIMES = List.of("python3.11", "node20", "java21", "binary");
  static final String VERSION = "1.0.0";

  /** impulse's default CPU limit per chamber, which the bench daemons keep. */
  static final double CPUS = Double.parseDouble(Defaults.CPUS);

  static final int WARM_UP_ROUNDS = 2;

  enum Method {
    IMPULSE("impulse, bridge", "impulse"),
    RAW("raw runc", "raw"),
    RAW_UNLIMITED("raw runc, no CPU limit", "rawNoCpuLimit");

    final String label;

    /** The key of its figures in the results JSON. */
    final String key;

    Method(String label, String key) {
      this.label = label;
      this.key = key;
    }
  }

  /**
   * The wrapper's own spans (its {@code /healthz} timings), each from one point to another; a span
   * whose points are missing (a native guest has no timings) is left out.
   *
   * <p>"Wrapper up" is the first mark the wrapper takes in its own process: Python's {@code
   * started} (the interpreter runs skyhook.py's first line), Node's {@code started} (the process's
   * time origin, before Node's bootstrap), Java's {@code runtime_up} (the JVM runs the wrapper's
   * main). Java's {@code started} is not used: it is the process's start time in /proc, and the
   * process is the container's init, which runc forks during {@code runc create}, long before it
   * executes {@code java}. "Container started" is when {@code runc start} returned (impulse) or
   * {@code runc run -d} did (raw runc).
   */
  enum WrapperSpan {
    TO_UP("request -> wrapper up", "requestToWrapperUp", List.of(ColdStart.START), WRAPPER_UP),
    BOOT(
        "container started -> wrapper up",
        "containerStartedToWrapperUp",
        CONTAINER_STARTED,
        WRAPPER_UP),
    IMPORTS(
        "wrapper up -> imports done",
        "wrapperUpToImportsDone",
        WRAPPER_UP,
        List.of(Breakdown.IMPORTS_DONE)),
    GUEST(
        "imports done -> guest imported",
        "importsDoneToGuestImported",
        List.of(Breakdown.IMPORTS_DONE),
        List.of(Breakdown.GUEST_IMPORTED)),
    LISTEN(
        "guest imported -> listening",
        "guestImportedToListening",
        List.of(Breakdown.GUEST_IMPORTED),
        List.of(Breakdown.LISTENING)),
    FIRST_CALL(
        "listening -> first call",
        "listeningToFirstCall",
        List.of(Breakdown.LISTENING),
        List.of(ColdStart.FIRST_CALL)),
    STARTED_TO_GUEST(
        "container started -> guest imported",
        "containerStartedToGuestImported",
        CONTAINER_STARTED,
        List.of(Breakdown.GUEST_IMPORTED));

    final String label;

    /** The key of its figure in the results JSON. */
    final String key;

    /** The first of these points the start has. */
    final List<String> from;

    final List<String> to;

    WrapperSpan(String label, String key, List<String> from, List<String> to) {
      this.label = label;
      this.key = key;
      this.from = from;
      this.to = to;
    }

    /** Its milliseconds in {@code b}; NaN when {@code b} lacks its points. */
    double in(Breakdown b) {
      String start = from.stream().filter(b::has).findFirst().orElse(null);
      String end = to.stream().filter(b::has).findFirst().orElse(null);
      return start == null || end == null ? Double.NaN : b.span(start, end);
    }
  }

  /** The wrapper's first mark in its own process: Java's runtime_up, else started. */
  static final List<String> WRAPPER_UP = List.of(Breakdown.RUNTIME_UP, Breakdown.STARTED);

  /** Java's {@code started}, named for what it is. */
  static final String JAVA_STARTED = "wrapper: started (/proc: runc forked the container's init)";

  /** Raw runc's point: {@code runc run -d} returned (the container created and started). */
  static final String RAW_RUN_RETURNED = "runc run -d returned";

  /** The container's start returned: impulse's startup mark, or raw runc's. */
  static final List<String> CONTAINER_STARTED = List.of("started", RAW_RUN_RETURNED);

  /** A language's guest, uploaded to the bridge daemon as {@code app}; its stored layer. */
  record Guest(RuntimeDefinition runtime, String app, Path layer) {}

  /** One runtime's samples, by method. */
  static final class Figures {
    final Map<Method, Samples> totals = new LinkedHashMap<>();

    /** Each point's time after the request (ms). */
    final Map<Method, Map<String, Samples>> points = new LinkedHashMap<>();

    final Map<Method, Map<WrapperSpan, Samples>> wrapper = new LinkedHashMap<>();

    Figures() {
      for (Method m : Method.values()) {
        totals.put(m, new Samples());
        points.put(m, new LinkedHashMap<>());
        wrapper.put(m, new LinkedHashMap<>());
      }
    }

    void add(Method method, Breakdown b) {
      totals.get(method).add(b.span(ColdStart.START, ColdStart.FIRST_CALL));
      boolean java = b.has(Breakdown.RUNTIME_UP);
      b.offsets(ColdStart.START)
          .forEach((point, ms) -> {
            // Java's started is not its interpreter's start: see WrapperSpan
            String name = java && point.equals(Breakdown.STARTED) ? JAVA_STARTED : point;
            points.get(method).computeIfAbsent(name, p -> new Samples()).add(ms);
          });
      for (WrapperSpan span : WrapperSpan.values()) {
        double ms = span.in(b);
        if (!Double.isNaN(ms)) {
          wrapper.get(method).computeIfAbsent(span, s -> new Samples()).add(ms);
        }
      }
    }
  }

  private final BenchEnv env;
  private final Map<String, Figures> figures = new LinkedHashMap<>();

  Languages(BenchEnv env) {
    this.env = env;
    RUNTIMES.forEach(r -> figures.put(r, new Figures()));
  }

  void run(Report report, int rounds) throws Exception {
    BenchDaemon daemon = env.bridge();
    String loadBefore = ProcStats.loadAverage();
    List<Guest> guests = new ArrayList<>();
    for (String name : RUNTIMES) {
      RuntimeDefinition runtime = RuntimeCatalog.standard().resolve(name);
      if (env.baseimage(name) == null) {
        throw new IllegalStateException("baseimage " + name + " was not built before the run");
      }
      JsonNode pool = daemon.pool(name);
      if (pool != null && pool.path("size").asInt(0) > 0) {
        throw new IllegalStateException(name + " has a pool of stem cells: " + pool);
      }
      String app = "lang-" + runtime.language().id();
      long t0 = System.nanoTime();
      daemon.upload(app, VERSION, guest(runtime.language()));
      guests.add(new Guest(runtime, app, daemon.functionLayer(app, VERSION)));
      System.out.printf(
          "languages: %s guest built and uploaded as %s in %.1f s%n",
          name, app, (System.nanoTime() - t0) / 1e9);
    }
    System.out.printf(
        "languages: %d rounds of %s on %s (plus %d warm-up rounds), chambers and raw runc limited"
            + " to %s core(s); load %s%n",
        rounds,
        List.of(Method.values()).stream().map(m -> m.label).toList(),
        RUNTIMES,
        WARM_UP_ROUNDS,
        CPUS,
        loadBefore);
    for (int i = -WARM_UP_ROUNDS; i < rounds; i++) {
      for (Guest guest : ordered(guests, i)) {
        for (Method method : ordered(List.of(Method.values()), i)) {
          Breakdown b = measure(daemon, guest, method);
          if (i >= 0) {
            figures.get(guest.runtime().name()).add(method, b);
          }
        }
      }
      if (i >= 0 && ((i + 1) % 5 == 0 || i + 1 == rounds)) {
        System.out.printf("  %d/%d done (load %s)%n", i + 1, rounds, ProcStats.loadAverage());
      }
    }
    String loadAfter = ProcStats.loadAverage();
    new LanguagesReport(rounds, CPUS, figures, loadBefore, loadAfter).write(report);
  }

  /**
   * Round {@code i}'s order of {@code items}: rotated by one each round, and backwards every other
   * cycle, so that each item precedes each other one as often as it follows it.
   */
  static <T> List<T> ordered(List<T> items, int i) {
    List<T> order = new ArrayList<>(items);
    Collections.rotate(order, Math.floorMod(i, items.size()));
    if (Math.floorMod(Math.floorDiv(i, items.size()), 2) == 1) {
      Collections.reverse(order);
    }
    return order;
  }

  private Breakdown measure(BenchDaemon daemon, Guest guest, Method method) {
    return switch (method) {
      case IMPULSE -> impulse(daemon, guest);
      case RAW -> raw(guest, OptionalDouble.of(CPUS));
      case RAW_UNLIMITED -> raw(guest, OptionalDouble.empty());
    };
  }

  private Breakdown impulse(BenchDaemon daemon, Guest guest) {
    Instant t0 = Instant.now();
    JsonNode chamber = daemon.create(guest.app(), VERSION, guest.runtime().name(), "");
    String id = chamber.get("id").asText();
    try {
      int port = chamber.get("port").asInt();
      Instant first = env.awaitFirstCall(port, Duration.ofMinutes(2));
      JsonNode startup = daemon.startup(id);
      if (!startup.path("source").asText().equals("cold")) {
        throw new IllegalStateException(
            "chamber " + id + " did not start cold (a stem cell?): " + startup);
      }
      return new Breakdown()
          .at(ColdStart.START, t0)
          .daemonSteps(startup)
          .wrapperSteps(env.wrapperTimings(port))
          .at(ColdStart.FIRST_CALL, first);
    } finally {
      daemon.destroy(id);
    }
  }

  private Breakdown raw(Guest guest, OptionalDouble cpus) {
    try (RawContainer c =
        RawContainer.start(
            env, RawContainer.Kind.OVERLAY, guest.runtime().name(), guest.layer(), cpus, null)) {
      Instant first = env.awaitFirstCall(c.port, Duration.ofMinutes(2));
      return new Breakdown()
          .at(ColdStart.START, c.began)
          .at("overlay mounted", c.rootReady)
          .at("config.json written", c.configured)
          .at(RAW_RUN_RETURNED, c.runReturned)
          .wrapperSteps(env.wrapperTimings(c.port))
          .at(ColdStart.FIRST_CALL, first);
    }
  }

  /** The example guest of {@code language}, built as its author would, as a tar. */
  private byte[] guest(Language language) {
    Path examples = env.repo.resolve("examples");
    return switch (language) {
      case PYTHON -> Guests.directory(examples.resolve("sampleapp"));
      case NODE -> Guests.directory(examples.resolve("node-hello"));
      case JAVA ->
          // as examples/java-hello/build.sh builds it: javac --release 17, its MANIFEST.MF's
          // function
          Tars.tar()
              .file(
                  "hello.jar",
                  Guests.jar(
                      javaSources(examples.resolve("java-hello/src/main/java")),
                      javaFunction(examples.resolve("java-hello/MANIFEST.MF"))),
                  0644)
              .bytes();
      case BINARY ->
          Tars.tar()
              .file(
                  "skyhook", Guests.staticBinary(examples.resolve("binary-hello/skyhook.c")), 0755)
              .bytes();
    };
  }

  /** The class a manifest names in {@code Skyhook-Function}. */
  private static String javaFunction(Path manifest) {
    try {
      return Files.readAllLines(manifest).stream()
          .filter(line -> line.startsWith("Skyhook-Function:"))
          .map(line -> line.substring("Skyhook-Function:".length()).strip())
          .findFirst()
          .orElseThrow(() -> new IllegalStateException(manifest + " names no Skyhook-Function"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every source file under {@code dir}, by class name. */
  private static Map<String, String> javaSources(Path dir) {
    Map<String, String> sources = new LinkedHashMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        String relative = dir.relativize(file).toString();
        sources.put(
            relative.substring(0, relative.length() - ".java".length()).replace('/', '.'),
            Files.readString(file));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the Java example under " + dir, e);
    }
    if (sources.isEmpty()) {
      throw new IllegalStateException("no Java sources under " + dir);
    }
    return sources;
  }
}
