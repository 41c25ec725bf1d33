package dev.impulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.bench.ColdStart.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The cold-start scenario's tables, JSON figures and chart. */
final class ColdStartReport {
  private final String runtime;
  private final Map<Method, Samples> totals;
  private final Map<Method, Map<String, Samples>> steps;

  ColdStartReport(
      String runtime, Map<Method, Samples> totals, Map<Method, Map<String, Samples>> steps) {
    this.runtime = runtime;
    this.totals = totals;
    this.steps = steps;
  }

  void write(Report report) {
    double raw = p50(Method.RAW);
    List<List<String>> rows = new ArrayList<>();
    for (Method m : Method.values()) {
      Samples s = totals.get(m);
      rows.add(
          List.of(
              m.label,
              Report.ms(s.median()),
              Report.ms(s.percentile(95)),
              Report.ms(s.percentile(99)),
              Report.ratio(s.median() / raw)));
    }
    Report.table(
        "cold start, " + runtime + ", ms (n=" + totals.get(Method.BRIDGE).count() + " each)",
        List.of("method", "p50", "p95", "p99", "p50 / raw runc p50"),
        rows);
    System.out.printf(
        "impulse, bridge / raw runc p50 = %s (target <= 1.10x); impulse, host / raw runc p50 = %s;"
            + " impulse, bridge / proof of concept p50 = %s%n",
        Report.ratio(p50(Method.BRIDGE) / raw),
        Report.ratio(p50(Method.HOST) / raw),
        Report.ratio(p50(Method.BRIDGE) / p50(Method.POC)));
    System.out.printf(
        "impulse, host / floor p50 = %s, impulse, bridge / floor p50 = %s (target <= 1.3x)%n",
        Report.ratio(p50(Method.HOST) / p50(Method.FLOOR)),
        Report.ratio(p50(Method.BRIDGE) / p50(Method.FLOOR)));
    NetworkCost network = new NetworkCost(totals.get(Method.BRIDGE), totals.get(Method.HOST));
    network.print();
    stepsSideBySide();
    for (Method m : List.of(Method.RAW, Method.POC, Method.FLOOR)) {
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
    report.put("coldStart", figures(network));
    chart(report);
  }

  /** impulse's steps with bridge and with host networking, and what bridge adds to each. */
  private void stepsSideBySide() {
    Map<String, Samples> bridge = steps.get(Method.BRIDGE);
    Map<String, Samples> host = steps.get(Method.HOST);
    Set<String> names = new LinkedHashSet<>(bridge.keySet());
    names.addAll(host.keySet());
    List<List<String>> rows = new ArrayList<>();
    for (String step : names) {
      double b = median(bridge.get(step));
      double h = median(host.get(step));
      rows.add(List.of(step, Report.ms(b), Report.ms(h), NetworkCost.signed(b - h)));
    }
    Report.table(
        "where the time goes: impulse, bridge and host (median ms per step)",
        List.of("step ends at", "bridge p50", "host p50", "bridge - host"),
        rows);
  }

  private Map<String, Object> figures(NetworkCost network) {
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("runtime", runtime);
    for (Method m : Method.values()) {
      Map<String, Object> method = new LinkedHashMap<>(totals.get(m).summary());
      Map<String, Object> stepMedians = new LinkedHashMap<>();
      steps.get(m).forEach((step, s) -> stepMedians.put(step, Samples.round(s.median())));
      method.put("stepMedians", stepMedians);
      method.put("samples", totals.get(m).values());
      figures.put(m.key, method);
    }
    figures.put("bridgeMinusHostP50Ms", Samples.round(network.difference));
    figures.put("bridgeOverHostP50", Samples.round(network.ratio));
    figures.put("network", network.json());
    figures.put("bridgeOverRawP50", Samples.round(p50(Method.BRIDGE) / p50(Method.RAW)));
    figures.put("hostOverRawP50", Samples.round(p50(Method.HOST) / p50(Method.RAW)));
    figures.put("bridgeOverPocP50", Samples.round(p50(Method.BRIDGE) / p50(Method.POC)));
    figures.put("hostOverFloorP50", Samples.round(p50(Method.HOST) / p50(Method.FLOOR)));
    figures.put("bridgeOverFloorP50", Samples.round(p50(Method.BRIDGE) / p50(Method.FLOOR)));
    return figures;
  }

  private void chart(Report report) {
    CdfChart chart = chart(runtime);
    for (Method m : Method.values()) {
      chart.add(m.label, totals.get(m).values());
    }
    Path svg = report.dir().resolve("cold-start.svg");
    chart.write(svg);
    chart.write(report.dir().resolve(report.stamp() + "-cold-start.svg"));
    System.out.println("chart: " + svg);
  }

  private double p50(Method m) {
    return totals.get(m).median();
  }

  private static double median(Samples s) {
    return s == null ? Double.NaN : s.median();
  }

  private static CdfChart chart(String runtime) {
    return new CdfChart("Cold start, " + runtime + ": request to first successful call");
  }

  /**
   * Draws the chart again from a results file's samples (after the chart itself changed). Reads
   * both this layout and the earlier one, which had a single "impulse" series.
   */
  static void redraw(JsonNode results, Path svg) {
    JsonNode coldStart = results.at("/scenarios/coldStart");
    if (coldStart.isMissingNode()) {
      throw new IllegalArgumentException("the results file has no cold-start scenario");
    }
    Map<String, String> series = new LinkedHashMap<>();
    for (Method m : Method.values()) {
      series.put(m.key, m.label);
    }
    series.put("impulse", "impulse");
    CdfChart chart = chart(coldStart.get("runtime").asText());
    for (String key : List.of("bridge", "host", "impulse", "raw", "poc", "floor")) {
      JsonNode samples = coldStart.at("/" + key + "/samples");
      if (samples.isArray()) {
        List<Double> values = new ArrayList<>();
        samples.forEach(v -> values.add(v.asDouble()));
        chart.add(series.get(key), values);
      }
    }
    chart.write(svg);
  }
}
