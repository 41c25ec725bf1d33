package dev.impulse.bench;

import dev.impulse.bench.PullFigures.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The pull scenario's tables and JSON figures. MB are 10^6 bytes. */
final class PullReport {
  private final int rounds;
  private final PullImage image;
  private final PullFigures figures;
  private final String loadBefore;
  private final String loadAfter;

  PullReport(
      int rounds, PullImage image, PullFigures figures, String loadBefore, String loadAfter) {
    this.rounds = rounds;
    this.image = image;
    this.figures = figures;
    this.loadBefore = loadBefore;
    this.loadAfter = loadAfter;
  }

  void write(Report report) {
    totals();
    steps();
    List<String> warmUp = new ArrayList<>();
    for (Method m : Method.values()) {
      warmUp.add(m.label + " " + figures.warmUp.get(m).values().stream().map(Report::ms).toList());
    }
    System.out.println(
        "warm-up (not counted), ms: "
            + String.join("; ", warmUp)
            + " (impulse's first is the daemon's first pull, its code not yet compiled by the JIT)");
    System.out.printf(
        "delete + prune of the pulled runtime's layers: p50 %s ms; load average (1, 5, 15 min):"
            + " %s before, %s after%n",
        Report.ms(figures.prune().median()), loadBefore, loadAfter);
    report.put("pull", json());
  }

  private double impulse() {
    return figures.totals.get(Method.IMPULSE).median();
  }

  private void totals() {
    List<List<String>> rows = new ArrayList<>();
    for (Method m : Method.values()) {
      rows.add(
          row(
              m.label,
              m,
              figures.totals.get(m),
              List.of(
                  Report.ms(figures.cpu.get(m).median()),
                  Report.ms(figures.kernel.get(m).median()))));
      if (m.baseline()) {
        rows.add(row("  the same, then syncfs", m, figures.withSync.get(m), List.of("-", "-")));
      }
    }
    Report.table(
        String.format(
            "pull: %s, %d layers, %.1f MB compressed, %s MB unpacked; ms (n=%d each)",
            image.reference(),
            image.layerBytes().size(),
            image.compressedBytes() / 1e6,
            mb(unpacked(Method.IMPULSE)),
            rounds),
        List.of(
            "method",
            "p50",
            "min",
            "max",
            "MB/s compressed",
            "MB/s unpacked",
            "impulse / method p50",
            "CPU ms p50",
            "of which kernel"),
        rows);
    System.out.println(
        "CPU: the daemon's during impulse's pulls; skopeo's and umoci's during the baselines'");
    figures
        .unpackedBytes(Method.UMOCI_RAW)
        .ifPresent(bytes ->
            System.out.printf(
                "unpacked: impulse's layer store %s MB, umoci's tree %s MB (regular files' bytes)%n",
                mb(unpacked(Method.IMPULSE)), mb(bytes)));
  }

  private List<String> row(String label, Method m, Samples s, List<String> cpu) {
    boolean cached = m == Method.CACHED;
    double seconds = s.median() / 1000;
    List<String> row = new ArrayList<>();
    row.addAll(
        List.of(
            label,
            Report.ms(s.median()),
            Report.ms(s.min()),
            Report.ms(s.max()),
            cached ? "-" : Report.ms(image.compressedBytes() / 1e6 / seconds),
            cached ? "-" : Report.ms(unpacked(m) / 1e6 / seconds),
            m == Method.IMPULSE || cached ? "-" : Report.ratio(impulse() / s.median())));
    row.addAll(cpu);
    return row;
  }

  private void steps() {
    Set<PullFigures.Step> names = new LinkedHashSet<>();
    for (Method m : Method.values()) {
      names.addAll(figures.steps.get(m).keySet());
    }
    List<List<String>> rows = new ArrayList<>();
    for (PullFigures.Step step : names) {
      List<String> row = new ArrayList<>(List.of(step.label));
      for (Method m : Method.values()) {
        Samples s = figures.steps.get(m).get(step);
        row.add(s == null ? "-" : Report.ms(s.median()));
      }
      rows.add(row);
    }
    List<String> header = new ArrayList<>(List.of("step"));
    for (Method m : Method.values()) {
      header.add(m.label);
    }
    Report.table("pull: the steps, median ms", header, rows);
  }

  /** The unpacked bytes {@code m} wrote; impulse's store's for its cached pull. */
  private double unpacked(Method m) {
    Method from = m == Method.CACHED ? Method.IMPULSE : m;
    return figures.unpackedBytes(from).orElse(-1);
  }

  private static String mb(double bytes) {
    return bytes < 0 ? "-" : String.format("%.1f", bytes / 1e6);
  }

  private Map<String, Object> json() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("rounds", rounds);
    json.put("warmUpRounds", PullTime.WARM_UP_ROUNDS);
    json.put("pollMs", PullTime.POLL_MS);
    json.put("cachedPollMs", PullTime.CACHED_POLL_MS);
    json.put("loadBefore", loadBefore);
    json.put("loadAfter", loadAfter);
    Map<String, Object> img = new LinkedHashMap<>();
    img.put("reference", image.reference());
    img.put("layers", image.layerBytes().size());
    img.put("layerBytes", image.layerBytes());
    img.put("compressedBytes", image.compressedBytes());
    json.put("image", img);
    Map<String, Object> methods = new LinkedHashMap<>();
    for (Method m : Method.values()) {
      Samples s = figures.totals.get(m);
      Map<String, Object> method = new LinkedHashMap<>(s.summary());
      method.put("label", m.label);
      figures.unpackedBytes(m).ifPresent(bytes -> method.put("unpackedBytes", bytes));
      if (m != Method.CACHED) {
        double seconds = s.median() / 1000;
        method.put("compressedMBps", Samples.round(image.compressedBytes() / 1e6 / seconds));
        method.put("unpackedMBps", Samples.round(unpacked(m) / 1e6 / seconds));
      }
      Map<String, Object> steps = new LinkedHashMap<>();
      figures.steps.get(m).forEach((step, ms) -> steps.put(step.key, Samples.round(ms.median())));
      method.put("stepsP50Ms", steps);
      method.put("cpuMs", figures.cpu.get(m).summary());
      method.put("kernelCpuMs", figures.kernel.get(m).summary());
      if (m.baseline()) {
        method.put("withSyncfs", figures.withSync.get(m).summary());
        method.put("impulseOverP50", Samples.round(impulse() / figures.totals.get(m).median()));
        method.put(
            "impulseOverWithSyncfsP50",
            Samples.round(impulse() / figures.withSync.get(m).median()));
        method.put("withSyncfsSamples", figures.withSync.get(m).values());
      }
      method.put("samples", s.values());
      method.put("warmUpSamples", figures.warmUp.get(m).values());
      methods.put(m.key, method);
    }
    json.put("methods", methods);
    json.put(
        "impulseOverSkopeoUmociUnpackP50",
        Samples.round(impulse() / figures.totals.get(Method.UMOCI).median()));
    json.put(
        "impulseOverSkopeoUmociRawUnpackP50",
        Samples.round(impulse() / figures.totals.get(Method.UMOCI_RAW).median()));
    json.put("impulseCachedP50Ms", Samples.round(figures.totals.get(Method.CACHED).median()));
    json.put("deleteAndPrune", figures.prune().summary());
    return json;
  }
}
