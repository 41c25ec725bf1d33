package dev.impulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario 3: full create, ready, destroy cycles from 10 concurrent clients; then nothing may be
 * left behind. Three variants take turns in rounds (impulse with bridge networking, impulse with
 * host networking, and raw runc: mount, run, first call, kill, delete, unmount), the order reversed
 * every other round, so each sees the machine's noise alike; after each turn, the leak check of
 * what that variant could leave.
 */
final class Churn {
  static final int CLIENTS = 10;

  private enum Variant {
    BRIDGE,
    HOST,
    RAW
  }

  private final BenchEnv env;
  private final String runtime;

  Churn(BenchEnv env, String runtime) {
    this.env = env;
    this.runtime = runtime;
  }

  /** Runs each variant for {@code length} in all, in {@code rounds} turns. */
  void run(Report report, Duration length, int rounds) throws Exception {
    Duration turn = length.dividedBy(rounds);
    System.out.printf(
        "churn: %d clients, %d s for each of impulse bridge, impulse host and raw runc,"
            + " in %d rounds of %d s%n",
        CLIENTS, length.toSeconds(), rounds, turn.toSeconds());
    Map<Variant, ChurnResult> results = new LinkedHashMap<>();
    Map<Variant, List<String>> left = new LinkedHashMap<>();
    for (Variant v : Variant.values()) {
      results.put(v, ChurnResult.EMPTY);
      left.put(v, new ArrayList<>());
    }
    for (int round = 0; round < rounds; round++) {
      List<Variant> order = new ArrayList<>(List.of(Variant.values()));
      if (round % 2 == 1) {
        java.util.Collections.reverse(order);
      }
      for (Variant v : order) {
        results.put(v, results.get(v).plus(drive(turn, v)));
        for (String thing : BenchEnv.awaitNone(leakCheck(v))) {
          if (!left.get(v).contains(thing)) {
            left.get(v).add(thing);
          }
        }
      }
      System.out.printf("  round %d/%d done%n", round + 1, rounds);
    }
    ChurnResult bridge = results.get(Variant.BRIDGE);
    ChurnResult host = results.get(Variant.HOST);
    ChurnResult raw = results.get(Variant.RAW);
    Report.table(
        "churn: create, ready, destroy; " + CLIENTS + " clients, " + length.toSeconds() + " s each",
        ChurnResult.HEADER,
        List.of(
            bridge.row(env.bridge().label(), left.get(Variant.BRIDGE)),
            host.row(env.host().label(), left.get(Variant.HOST)),
            raw.row("raw runc", left.get(Variant.RAW))));
    System.out.printf(
        "bridge/host: throughput %s, cycle p50 %s (bridge - host: %s ms), host CPU per cycle %s;"
            + " bridge/raw runc throughput = %s, host/raw runc = %s (target >= 20 cycles/s with"
            + " no leaks)%n",
        Report.ratio(bridge.rate() / host.rate()),
        Report.ratio(bridge.cycles().median() / host.cycles().median()),
        NetworkCost.signed(bridge.cycles().median() - host.cycles().median()),
        Report.ratio(bridge.hostCpuPerCycle() / host.hostCpuPerCycle()),
        Report.ratio(bridge.rate() / raw.rate()),
        Report.ratio(host.rate() / raw.rate()));
    left.forEach((v, things) -> {
      if (!things.isEmpty()) {
        System.out.println("LEFT BEHIND after " + v + " rounds: " + things);
      }
    });
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("clients", CLIENTS);
    figures.put("seconds", length.toSeconds());
    figures.put("rounds", rounds);
    figures.put("bridge", bridge.json(left.get(Variant.BRIDGE)));
    figures.put("host", host.json(left.get(Variant.HOST)));
    figures.put("raw", raw.json(left.get(Variant.RAW)));
    figures.put("bridgeOverHostRate", Samples.round(bridge.rate() / host.rate()));
    figures.put(
        "bridgeOverHostCycleP50", Samples.round(bridge.cycles().median() / host.cycles().median()));
    figures.put(
        "bridgeMinusHostCycleP50Ms",
        Samples.round(bridge.cycles().median() - host.cycles().median()));
    figures.put("bridgeOverRawRate", Samples.round(bridge.rate() / raw.rate()));
    figures.put("hostOverRawRate", Samples.round(host.rate() / raw.rate()));
    report.put("churn", figures);
  }

  /** What a variant's cycles could leave behind. */
  private java.util.function.Supplier<List<String>> leakCheck(Variant variant) {
    return switch (variant) {
      case BRIDGE -> env.bridge()::leaks;
      case HOST -> env.host()::leaks;
      case RAW -> env::rawLeaks;
    };
  }

  private interface Cycle {
    void run() throws Exception;
  }

  /** One turn of one variant: every client cycles until {@code length} is over. */
  private ChurnResult drive(Duration length, Variant variant) throws Exception {
    BenchDaemon daemon =
        switch (variant) {
          case BRIDGE -> env.bridge();
          case HOST -> env.host();
          case RAW -> null;
        };
    Cycle cycle = daemon == null ? this::rawCycle : () -> impulseCycle(daemon);
    Samples cycles = new Samples();
    AtomicInteger errors = new AtomicInteger();
    long end = System.nanoTime() + length.toNanos();
    long started = System.nanoTime();
    long hostCpu = ProcStats.hostBusyMillis();
    long daemonCpu = daemon == null ? 0 : ProcStats.processCpuMillis(daemon.pid());
    long forcedStops = daemon == null ? 0 : daemon.forcedStops();
    try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
      List<Future<?>> all = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        all.add(
            clients.submit(() -> {
              while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                try {
                  cycle.run();
                  synchronized (cycles) {
                    cycles.add((System.nanoTime() - t0) / 1e6);
                  }
                } catch (Exception e) {
                  if (errors.incrementAndGet() <= 3) {
                    System.out.println("  " + variant + " cycle failed: " + e.getMessage());
                  }
                }
              }
              return null;
            }));
      }
      for (Future<?> f : all) {
        f.get();
      }
    }
    return new ChurnResult(
        cycles,
        errors.get(),
        (System.nanoTime() - started) / 1e9,
        ProcStats.hostBusyMillis() - hostCpu,
        daemon == null ? 0 : ProcStats.processCpuMillis(daemon.pid()) - daemonCpu,
        daemon == null ? 0 : daemon.forcedStops() - forcedStops);
  }

  private void impulseCycle(BenchDaemon daemon) {
    JsonNode chamber = daemon.create(runtime);
    String id = chamber.get("id").asText();
    try {
      env.awaitFirstCall(chamber.get("port").asInt(), Duration.ofMinutes(2));
    } finally {
      daemon.destroy(id);
    }
  }

  private void rawCycle() {
    try (RawContainer c = RawContainer.start(env, RawContainer.Kind.OVERLAY, runtime, null)) {
      env.awaitFirstCall(c.port, Duration.ofMinutes(2));
    }
  }
}
