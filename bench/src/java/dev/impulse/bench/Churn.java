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
 * Scenario 3: full create, ready, destroy cycles from 10 concurrent clients for a while; then
 * nothing may be left behind. The baseline does the same cycle with raw runc (mount, run, first
 * call, kill, delete, unmount) from as many workers, in the same run.
 */
final class Churn {
  static final int CLIENTS = 10;

  private final BenchEnv env;
  private final String runtime;

  Churn(BenchEnv env, String runtime) {
    this.env = env;
    this.runtime = runtime;
  }

  void run(Report report, Duration length) throws Exception {
    System.out.printf(
        "churn: %d clients for %d s, impulse then raw runc%n", CLIENTS, length.toSeconds());
    Result impulse = drive(length, this::impulseCycle);
    List<String> leftImpulse = env.awaitNoLeaks();
    Result raw = drive(length, this::rawCycle);
    List<String> leftRaw = env.awaitNoLeaks();
    Report.table(
        "churn: create, ready, destroy; " + CLIENTS + " clients, " + length.toSeconds() + " s",
        List.of(
            "method",
            "cycles",
            "cycles/s",
            "cycle p50 ms",
            "cycle p99 ms",
            "host CPU ms/cycle",
            "daemon CPU ms/cycle",
            "SIGKILLed",
            "errors",
            "left behind"),
        List.of(row("impulse", impulse, leftImpulse), row("raw runc", raw, leftRaw)));
    System.out.printf(
        "impulse/raw runc throughput = %s (target >= 20 cycles/s with no leaks)%n",
        Report.ratio(impulse.rate() / raw.rate()));
    if (!leftImpulse.isEmpty()) {
      System.out.println("LEFT BEHIND by impulse: " + leftImpulse);
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("clients", CLIENTS);
    figures.put("seconds", length.toSeconds());
    figures.put("impulse", result(impulse, leftImpulse));
    figures.put("raw", result(raw, leftRaw));
    figures.put("impulseOverRawRate", Samples.round(impulse.rate() / raw.rate()));
    report.put("churn", figures);
  }

  private static List<String> row(String name, Result r, List<String> left) {
    return List.of(
        name,
        Integer.toString(r.cycles.count()),
        String.format("%.1f", r.rate()),
        Report.ms(r.cycles.median()),
        Report.ms(r.cycles.percentile(99)),
        String.format("%.0f", r.hostCpuPerCycle()),
        String.format("%.0f", r.daemonCpuPerCycle()),
        Long.toString(r.forcedStops),
        Integer.toString(r.errors),
        left.isEmpty() ? "nothing" : left.size() + " things");
  }

  private static Map<String, Object> result(Result r, List<String> left) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cycles", r.cycles.count());
    m.put("cyclesPerSecond", Samples.round(r.rate()));
    m.put("cycleMs", r.cycles.summary());
    m.put("hostCpuMsPerCycle", Samples.round(r.hostCpuPerCycle()));
    m.put("daemonCpuMsPerCycle", Samples.round(r.daemonCpuPerCycle()));
    m.put("stopsNeedingSigkill", r.forcedStops);
    m.put("errors", r.errors);
    m.put("leftBehind", left);
    return m;
  }

  /**
   * @param hostCpuMillis CPU time all cores were busy during the run (clients included)
   * @param daemonCpuMillis CPU time the impulse daemon used during the run
   * @param forcedStops destroys that waited out the grace period and sent SIGKILL (the raw baseline
   *     kills at once)
   */
  private record Result(
      Samples cycles,
      int errors,
      double seconds,
      long hostCpuMillis,
      long daemonCpuMillis,
      long forcedStops) {
    double rate() {
      return cycles.count() / seconds;
    }

    double hostCpuPerCycle() {
      return hostCpuMillis / (double) Math.max(1, cycles.count());
    }

    double daemonCpuPerCycle() {
      return daemonCpuMillis / (double) Math.max(1, cycles.count());
    }
  }

  private interface Cycle {
    void run() throws Exception;
  }

  private Result drive(Duration length, Cycle cycle) throws Exception {
    Samples cycles = new Samples();
    AtomicInteger errors = new AtomicInteger();
    long end = System.nanoTime() + length.toNanos();
    long started = System.nanoTime();
    long hostCpu = ProcStats.hostBusyMillis();
    long daemonCpu = ProcStats.processCpuMillis(env.daemonPid());
    long forcedStops = env.forcedStops();
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
                    System.out.println("  cycle failed: " + e.getMessage());
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
    return new Result(
        cycles,
        errors.get(),
        (System.nanoTime() - started) / 1e9,
        ProcStats.hostBusyMillis() - hostCpu,
        ProcStats.processCpuMillis(env.daemonPid()) - daemonCpu,
        env.forcedStops() - forcedStops);
  }

  private void impulseCycle() {
    JsonNode chamber = env.create(runtime);
    String id = chamber.get("id").asText();
    try {
      env.awaitFirstCall(chamber.get("port").asInt(), Duration.ofMinutes(2));
    } finally {
      env.destroy(id);
    }
  }

  private void rawCycle() {
    try (RawContainer c = RawContainer.start(env, RawContainer.Kind.OVERLAY, runtime, null)) {
      env.awaitFirstCall(c.port, Duration.ofMinutes(2));
    }
  }
}
