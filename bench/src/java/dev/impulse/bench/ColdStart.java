package dev.impulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scenario 1: from the request to the first successful call, for impulse and two baselines on the
 * same baseimage and guest, interleaved so the machine's noise falls on all three alike.
 */
final class ColdStart {
  enum Method {
    IMPULSE("impulse"),
    RAW("raw runc"),
    POC("proof of concept (extract)");

    final String label;

    Method(String label) {
      this.label = label;
    }
  }

  private static final String START = "request sent";
  private static final String FIRST_CALL = "first successful call";

  private final BenchEnv env;
  private final String runtime;
  private final PocImages poc;
  private final Map<Method, Samples> totals = new LinkedHashMap<>();
  private final Map<Method, Map<String, Samples>> steps = new LinkedHashMap<>();

  ColdStart(BenchEnv env, String runtime) {
    this.env = env;
    this.runtime = runtime;
    this.poc = new PocImages(env);
    for (Method m : Method.values()) {
      totals.put(m, new Samples());
      steps.put(m, new LinkedHashMap<>());
    }
  }

  void run(Report report, int runs) throws Exception {
    poc.baseTar(runtime);
    poc.guestTar();
    System.out.printf(
        "cold start: %d runs of each method on %s (plus 2 warm-up runs)%n", runs, runtime);
    for (int i = -2; i < runs; i++) {
      List<Method> order = new ArrayList<>(List.of(Method.values()));
      java.util.Collections.rotate(order, Math.floorMod(i, 3));
      for (Method method : order) {
        Breakdown breakdown = measure(method);
        if (i >= 0) {
          Map<String, Double> durations = breakdown.durations();
          // To the first call, not to the last point: impulse's own probe may get its 200 later.
          double total = breakdown.span(START, FIRST_CALL);
          totals.get(method).add(total);
          durations.forEach(
              (step, ms) -> steps.get(method).computeIfAbsent(step, s -> new Samples()).add(ms));
        }
      }
      if (i >= 0 && (i + 1) % 10 == 0) {
        System.out.printf("  %d/%d done%n", i + 1, runs);
      }
    }
    report(report);
  }

  private Breakdown measure(Method method) {
    return switch (method) {
      case IMPULSE -> impulse();
      case RAW -> raw(RawContainer.Kind.OVERLAY);
      case POC -> raw(RawContainer.Kind.EXTRACTED);
    };
  }

  private Breakdown impulse() {
    Instant t0 = Instant.now();
    JsonNode chamber = env.create(runtime);
    int port = chamber.get("port").asInt();
    Instant first = env.awaitFirstCall(port, Duration.ofMinutes(2));
    String id = chamber.get("id").asText();
    Breakdown b =
        new Breakdown()
            .at(START, t0)
            .daemonSteps(env.read(env.send("GET", "/chambers/" + id + "/startup", null).body()))
            .wrapperSteps(env.wrapperTimings(port))
            .at(FIRST_CALL, first);
    env.destroy(id);
    return b;
  }

  private Breakdown raw(RawContainer.Kind kind) {
    try (RawContainer c = RawContainer.start(env, kind, runtime, poc)) {
      Instant first = env.awaitFirstCall(c.port, Duration.ofMinutes(2));
      return new Breakdown()
          .at(START, c.began)
          .at(kind == RawContainer.Kind.OVERLAY ? "overlay mounted" : "tars extracted", c.rootReady)
          .at("config.json written", c.configured)
          .at("runc run -d returned", c.runReturned)
          .wrapperSteps(env.wrapperTimings(c.port))
          .at(FIRST_CALL, first);
    }
  }

  private void report(Report report) {
    double impulse = totals.get(Method.IMPULSE).median();
    double raw = totals.get(Method.RAW).median();
    double extract = totals.get(Method.POC).median();
    List<List<String>> rows = new ArrayList<>();
    for (Method m : Method.values()) {
      Samples s = totals.get(m);
      rows.add(
          List.of(
              m.label,
              Report.ms(s.median()),
              Report.ms(s.percentile(95)),
              Report.ms(s.percentile(99)),
              Report.ratio(s.median() / impulse)));
    }
    Report.table(
        "cold start, " + runtime + ", ms (n=" + totals.get(Method.IMPULSE).count() + " each)",
        List.of("method", "p50", "p95", "p99", "p50 / impulse p50"),
        rows);
    System.out.printf(
        "impulse/raw runc p50 = %s (target <= 1.10x); impulse/proof-of-concept p50 = %s%n",
        Report.ratio(impulse / raw), Report.ratio(impulse / extract));

    for (Method m : Method.values()) {
      List<List<String>> stepRows = new ArrayList<>();
      steps
          .get(m)
          .forEach((step, s) ->
              stepRows.add(List.of(step, Report.ms(s.median()), Report.ms(s.percentile(95)))));
      Report.table(
          "where the time goes: " + m.label + " (median ms per step)",
          List.of("step ends at", "p50", "p95"),
          stepRows);
    }

    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("runtime", runtime);
    for (Method m : Method.values()) {
      Map<String, Object> method = new LinkedHashMap<>(totals.get(m).summary());
      Map<String, Object> stepMedians = new LinkedHashMap<>();
      steps.get(m).forEach((step, s) -> stepMedians.put(step, Samples.round(s.median())));
      method.put("stepMedians", stepMedians);
      method.put("samples", totals.get(m).values());
      figures.put(m.name().toLowerCase(), method);
    }
    figures.put("impulseOverRawP50", Samples.round(impulse / raw));
    figures.put("impulseOverPocP50", Samples.round(impulse / extract));
    report.put("coldStart", figures);

    CdfChart chart = chart(runtime);
    for (Method m : Method.values()) {
      chart.add(m.label, totals.get(m).values());
    }
    Path svg = report.dir().resolve("cold-start.svg");
    chart.write(svg);
    chart.write(report.dir().resolve(report.stamp() + "-cold-start.svg"));
    System.out.println("chart: " + svg);
  }

  private static CdfChart chart(String runtime) {
    return new CdfChart("Cold start, " + runtime + ": request to first successful call");
  }

  /** Draws the chart again from a results file's samples (after the chart itself changed). */
  static void redraw(JsonNode results, Path svg) {
    JsonNode coldStart = results.at("/scenarios/coldStart");
    if (coldStart.isMissingNode()) {
      throw new IllegalArgumentException("the results file has no cold-start scenario");
    }
    CdfChart chart = chart(coldStart.get("runtime").asText());
    Map<Method, String> keys =
        Map.of(Method.IMPULSE, "impulse", Method.RAW, "raw", Method.POC, "poc");
    for (Method m : Method.values()) {
      List<Double> samples = new ArrayList<>();
      coldStart.at("/" + keys.get(m) + "/samples").forEach(v -> samples.add(v.asDouble()));
      chart.add(m.label, samples);
    }
    chart.write(svg);
  }
}
