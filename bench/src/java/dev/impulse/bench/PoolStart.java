package dev.impulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Scenario {@code pool}: from {@code POST /chambers} to the first successful call when a stem cell
 * of the runtime is ready, against a cold start of the same function on the same daemon (a spec no
 * cell can take: it sets {@code PYTHONHASHSEED}) and raw runc, round by round, all timed with
 * {@link dev.impulse.testing.RawHttp}; a second pooled start each round is timed with the JDK's
 * client, as the runs before 2026-12-01 16:00 were. Then a burst of concurrent creates against a
 * pool of fewer cells, and the memory of an idle cell.
 */
final class PoolStart {
  static final String COLD_SPEC = ",\"env\":{\"PYTHONHASHSEED\":\"0\"}";

  private final BenchEnv env;
  private final String runtime;

  PoolStart(BenchEnv env, String runtime) {
    this.env = env;
    this.runtime = runtime;
  }

  void run(Report report, int rounds, int burst) throws Exception {
    BenchDaemon daemon = env.bridge();
    System.out.printf(
        "pool: %d rounds of [pooled, pooled with the JDK client, cold, raw runc] on %s; then %d creates at once on a pool"
            + " of %d%n",
        rounds, runtime, burst, burst / 5);
    daemon.resizePool(runtime, 1);
    Samples pooled = new Samples();
    Samples pooledJdk = new Samples();
    Samples cold = new Samples();
    Samples raw = new Samples();
    Map<String, Samples> steps = new LinkedHashMap<>();
    try {
      for (int i = -2; i < rounds; i++) {
        Breakdown b = pooledStart(daemon, true);
        double j = pooledStart(daemon, false).span(ColdStart.START, ColdStart.FIRST_CALL);
        double c = start(daemon, COLD_SPEC, true).span(ColdStart.START, ColdStart.FIRST_CALL);
        double r = raw();
        if (i >= 0) {
          pooled.add(b.span(ColdStart.START, ColdStart.FIRST_CALL));
          pooledJdk.add(j);
          cold.add(c);
          raw.add(r);
          b.durations().forEach((k, v) -> steps.computeIfAbsent(k, x -> new Samples()).add(v));
        }
      }
      JsonNode idle = daemon.pool(runtime);
      long cellMemory = idle.get("memoryBytes").asLong() / Math.max(1, idle.get("ready").asInt());
      Map<String, Object> burstFigures = burst(daemon, burst);
      print(pooled, pooledJdk, cold, raw, steps, cellMemory, burstFigures);
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("rounds", rounds);
      figures.put(
          "client",
          "RawHttp (one plain socket per request); pooledJdkClientMs: the JDK's HttpClient");
      figures.put("pooledMs", pooled.summary());
      figures.put("pooledJdkClientMs", pooledJdk.summary());
      figures.put("coldMs", cold.summary());
      figures.put("rawRuncMs", raw.summary());
      figures.put("pooledOverColdP50", Samples.round(pooled.median() / cold.median()));
      Map<String, Object> stepFigures = new LinkedHashMap<>();
      steps.forEach((k, v) -> stepFigures.put(k, Samples.round(v.median())));
      figures.put("pooledStepsP50Ms", stepFigures);
      figures.put("idleCellMemoryBytes", cellMemory);
      figures.put("burst", burstFigures);
      report.put("pool", figures);
    } finally {
      daemon.resizePool(runtime, 0);
      daemon.awaitPool(runtime, 0, Duration.ofMinutes(1));
    }
  }

  /** A start from a ready cell, once the pool's filler has kept still for a while. */
  private Breakdown pooledStart(BenchDaemon daemon, boolean bare) throws InterruptedException {
    daemon.awaitPool(runtime, 1, Duration.ofMinutes(2));
    // The filler keeps still for a moment after a take; let it finish the last refill first.
    Thread.sleep(300);
    return start(daemon, "", bare);
  }

  /**
   * Create, then call until it answers: with {@link dev.impulse.testing.RawHttp} ({@code bare}) or
   * the JDK's client, which the earlier runs used.
   */
  private Breakdown start(BenchDaemon daemon, String moreFields, boolean bare) {
    Instant t0 = Instant.now();
    JsonNode chamber =
        bare ? daemon.createBare(runtime, moreFields) : daemon.create(runtime, moreFields);
    int port = chamber.get("port").asInt();
    Instant first =
        bare
            ? env.awaitFirstCallBare(port, Duration.ofMinutes(2))
            : env.awaitFirstCall(port, Duration.ofMinutes(2));
    String id = chamber.get("id").asText();
    Breakdown b =
        new Breakdown()
            .at(ColdStart.START, t0)
            .daemonSteps(daemon.startup(id))
            .at(ColdStart.FIRST_CALL, first);
    daemon.destroy(id);
    return b;
  }

  private double raw() {
    try (RawContainer c = RawContainer.start(env, RawContainer.Kind.OVERLAY, runtime, null)) {
      Instant first = env.awaitFirstCallBare(c.port, Duration.ofMinutes(2));
      return Duration.between(c.began, first).toNanos() / 1e6;
    }
  }

  /** {@code count} creates at once with a pool of {@code count / 5} ready cells. */
  private Map<String, Object> burst(BenchDaemon daemon, int count) throws Exception {
    int poolSize = Math.max(1, count / 5);
    daemon.resizePool(runtime, poolSize);
    daemon.awaitPool(runtime, poolSize, Duration.ofMinutes(5));
    Samples all = new Samples();
    int fromPool = 0;
    List<String> ids = new ArrayList<>();
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<JsonNode>> created = new ArrayList<>();
      List<Instant> began = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        began.add(Instant.now());
        created.add(clients.submit(() -> daemon.create(runtime)));
      }
      List<Future<Instant>> firstCalls = new ArrayList<>();
      for (Future<JsonNode> f : created) {
        JsonNode chamber = f.get();
        ids.add(chamber.get("id").asText());
        int port = chamber.get("port").asInt();
        firstCalls.add(clients.submit(() -> env.awaitFirstCall(port, Duration.ofMinutes(5))));
      }
      for (int i = 0; i < count; i++) {
        all.add(Duration.between(began.get(i), firstCalls.get(i).get()).toNanos() / 1e6);
        if (daemon.startup(ids.get(i)).path("source").asText().equals("pool")) {
          fromPool++;
        }
      }
    } finally {
      ids.forEach(daemon::destroy);
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("creates", count);
    figures.put("poolSize", poolSize);
    figures.put("servedFromPool", fromPool);
    figures.put("createToFirstCallMs", all.summary());
    return figures;
  }

  private static void print(
      Samples pooled,
      Samples pooledJdk,
      Samples cold,
      Samples raw,
      Map<String, Samples> steps,
      long cellMemory,
      Map<String, Object> burst) {
    List<List<String>> rows = new ArrayList<>();
    Map<String, Samples> methods = new LinkedHashMap<>();
    methods.put("pooled", pooled);
    methods.put("pooled, JDK client", pooledJdk);
    methods.put("cold", cold);
    methods.put("raw runc", raw);
    for (var entry : methods.entrySet()) {
      Samples s = entry.getValue();
      rows.add(
          List.of(
              entry.getKey(),
              Report.ms(s.median()),
              Report.ms(s.percentile(95)),
              Report.ms(s.percentile(99)),
              Report.ratio(s.median() / cold.median())));
    }
    Report.table(
        "create -> first call, ms (n="
            + pooled.count()
            + " each; target pooled p50 <= 10, p99 <= 25)",
        List.of("method", "p50", "p95", "p99", "p50 / cold p50"),
        rows);
    List<List<String>> stepRows = new ArrayList<>();
    steps.forEach((k, v) -> stepRows.add(List.of(k, Report.ms(v.median()))));
    Report.table("where a pooled start's time goes (median ms)", List.of("step", "p50"), stepRows);
    System.out.printf("idle stem cell memory (its cgroup): %.1f MiB%n", cellMemory / 1048576.0);
    System.out.println("burst: " + burst);
  }
}
