package dev.impulse.bench;

import dev.impulse.bench.Languages.Figures;
import dev.impulse.bench.Languages.Method;
import dev.impulse.bench.Languages.WrapperSpan;
import dev.impulse.image.RuntimeCatalog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The languages scenario's tables and JSON figures. */
final class LanguagesReport {
  private final int rounds;
  private final double cpus;
  private final Map<String, Figures> figures;
  private final String loadBefore;
  private final String loadAfter;

  LanguagesReport(
      int rounds, double cpus, Map<String, Figures> figures, String loadBefore, String loadAfter) {
    this.rounds = rounds;
    this.cpus = cpus;
    this.figures = figures;
    this.loadBefore = loadBefore;
    this.loadAfter = loadAfter;
  }

  void write(Report report) {
    totals();
    wrappers();
    figures.forEach(this::points);
    System.out.println(
        "load average (1, 5, 15 min): " + loadBefore + " before, " + loadAfter + " after");
    report.put("languages", json());
  }

  private void totals() {
    List<List<String>> rows = new ArrayList<>();
    figures.forEach((runtime, f) -> {
      Samples impulse = f.totals.get(Method.IMPULSE);
      Samples raw = f.totals.get(Method.RAW);
      Samples unlimited = f.totals.get(Method.RAW_UNLIMITED);
      rows.add(
          List.of(
              runtime,
              Report.ms(impulse.median()),
              Report.ms(impulse.percentile(95)),
              Report.ms(raw.median()),
              Report.ms(raw.percentile(95)),
              Report.ratio(impulse.median() / raw.median()),
              NetworkCost.signed(impulse.median() - raw.median()),
              Report.ms(unlimited.median()),
              Report.ms(unlimited.percentile(95))));
    });
    Report.table(
        "languages: cold start, request to first successful call, ms (n="
            + rounds
            + " each; impulse and raw runc limited to "
            + cpus
            + " core)",
        List.of(
            "runtime",
            "impulse p50",
            "impulse p95",
            "raw p50",
            "raw p95",
            "impulse / raw p50",
            "impulse - raw p50",
            "raw, no CPU limit p50",
            "p95"),
        rows);
  }

  /** The wrapper's own start-up, from its {@code /healthz} timings. */
  private void wrappers() {
    List<List<String>> rows = new ArrayList<>();
    List<String> without = new ArrayList<>();
    figures.forEach((runtime, f) -> {
      if (f.wrapper.get(Method.IMPULSE).isEmpty()) {
        without.add(runtime);
        return;
      }
      for (Method m : Method.values()) {
        List<String> row = new ArrayList<>(List.of(runtime, m.label));
        for (WrapperSpan span : WrapperSpan.values()) {
          row.add(Report.ms(median(f.wrapper.get(m).get(span))));
        }
        rows.add(row);
      }
    });
    List<String> header = new ArrayList<>(List.of("runtime", "method"));
    for (WrapperSpan span : WrapperSpan.values()) {
      header.add(span.label);
    }
    Report.table(
        "languages: the wrapper's own start-up (GET /healthz timings), median ms", header, rows);
    System.out.println(
        "wrapper up: python, the interpreter runs skyhook.py's first line; node, the process's"
            + " time origin (before Node's bootstrap); java, the JVM runs the wrapper's main."
            + " container started: runc start (impulse) or runc run -d (raw) returned");
    if (!without.isEmpty()) {
      System.out.println(without + ": no wrapper, and no timings in its /healthz");
    }
  }

  /** Where one runtime's time goes: when each point was reached, by method. */
  private void points(String runtime, Figures f) {
    Set<String> names = new LinkedHashSet<>();
    for (Method m : Method.values()) {
      names.addAll(f.points.get(m).keySet());
    }
    // In the order impulse reaches them; the baselines' own points where the baselines reach them.
    List<String> ordered = new ArrayList<>(names);
    ordered.sort((a, b) -> Double.compare(when(f, a), when(f, b)));
    List<List<String>> rows = new ArrayList<>();
    for (String point : ordered) {
      List<String> row = new ArrayList<>(List.of(point));
      for (Method m : Method.values()) {
        Samples s = f.points.get(m).get(point);
        // A point missing from some starts (the daemon's probe answered after the bench looked)
        // has its median over the others.
        int all = f.totals.get(m).count();
        row.add(
            Report.ms(median(s)) + (s != null && s.count() < all ? " (" + s.count() + ")" : ""));
      }
      rows.add(row);
    }
    List<String> header = new ArrayList<>(List.of("point reached"));
    for (Method m : Method.values()) {
      header.add(m.label);
    }
    Report.table(
        "where the time goes: "
            + runtime
            + " (median ms after the request, each point; (k): reached in only k starts)",
        header,
        rows);
  }

  /** When {@code point} is reached: impulse's median, else the earliest baseline's. */
  private static double when(Figures f, String point) {
    Samples impulse = f.points.get(Method.IMPULSE).get(point);
    if (impulse != null) {
      return impulse.median();
    }
    double min = Double.MAX_VALUE;
    for (Method m : Method.values()) {
      Samples s = f.points.get(m).get(point);
      if (s != null) {
        min = Math.min(min, s.median());
      }
    }
    return min;
  }

  private Map<String, Object> json() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("rounds", rounds);
    json.put("cpus", cpus);
    json.put("loadBefore", loadBefore);
    json.put("loadAfter", loadAfter);
    Map<String, Object> runtimes = new LinkedHashMap<>();
    figures.forEach((runtime, f) -> {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("language", RuntimeCatalog.standard().resolve(runtime).language().id());
      for (Method m : Method.values()) {
        Map<String, Object> method = new LinkedHashMap<>(f.totals.get(m).summary());
        Map<String, Object> points = new LinkedHashMap<>();
        f.points.get(m).forEach((point, s) -> points.put(point, Samples.round(s.median())));
        method.put("pointsP50Ms", points);
        Map<String, Object> wrapper = new LinkedHashMap<>();
        f.wrapper.get(m).forEach((span, s) -> wrapper.put(span.key, Samples.round(s.median())));
        method.put("wrapperP50Ms", wrapper);
        method.put("samples", f.totals.get(m).values());
        r.put(m.key, method);
      }
      double impulse = f.totals.get(Method.IMPULSE).median();
      double raw = f.totals.get(Method.RAW).median();
      double unlimited = f.totals.get(Method.RAW_UNLIMITED).median();
      r.put("impulseOverRawP50", Samples.round(impulse / raw));
      r.put("impulseMinusRawP50Ms", Samples.round(impulse - raw));
      r.put("rawOverRawNoCpuLimitP50", Samples.round(raw / unlimited));
      runtimes.put(runtime, r);
    });
    json.put("runtimes", runtimes);
    return json;
  }

  private static double median(Samples s) {
    return s == null ? Double.NaN : s.median();
  }
}
