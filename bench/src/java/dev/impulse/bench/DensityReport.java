package dev.impulse.bench;

import dev.impulse.bench.Density.Population;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/** The density scenario's table and JSON: bridge and host side by side, and raw runc. */
final class DensityReport {
  private final String runtime;
  private final int target;
  private final Population bridge;
  private final Population host;
  private final double perRaw;
  private final int raws;

  DensityReport(String runtime, int target, List<Population> populations, double perRaw, int raws) {
    this.runtime = runtime;
    this.target = target;
    this.bridge = populations.get(0);
    this.host = populations.get(1);
    this.perRaw = perRaw;
    this.raws = raws;
  }

  void write(Report report) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(row("chambers running (target " + target + ")", p -> Integer.toString(p.chambers())));
    rows.add(row("answered a call", p -> Integer.toString(p.answered())));
    rows.add(
        row(
            "host memory per chamber, MiB",
            p -> String.format("%.1f", p.memoryPerChamberMiB()),
            Population::memoryPerChamberMiB));
    rows.add(
        row(
            "per chamber / per raw runc container",
            p -> Report.ratio(p.memoryPerChamberMiB() / perRaw)));
    rows.add(
        row(
            "daemon RSS idle -> loaded, MiB (target <= 300)",
            p -> String.format("%.0f -> %.0f", p.rssIdleMiB(), p.rssMiB()),
            Population::rssMiB));
    rows.add(
        row(
            "time to start them all, s",
            p -> String.format("%.1f", p.startSeconds()),
            Population::startSeconds));
    rows.add(
        row(
            "chambers started per second",
            p -> String.format("%.1f", p.chambers() / p.startSeconds()),
            p -> p.chambers() / p.startSeconds()));
    rows.add(
        row(
            "time to destroy them all, s",
            p -> String.format("%.1f", p.destroySeconds()),
            Population::destroySeconds));
    rows.add(row("left behind", p -> p.left().isEmpty() ? "nothing" : p.left().size() + " things"));
    Report.table(
        "density: " + bridge.chambers() + " and " + host.chambers() + " chambers of " + runtime,
        List.of("figure", bridge.label(), host.label(), "bridge / host"),
        rows);
    System.out.printf(
        "host memory per raw runc container (%d): %.1f MiB; bridge/host memory per chamber = %s,"
            + " bridge - host = %+.2f MiB%n",
        raws,
        perRaw,
        Report.ratio(bridge.memoryPerChamberMiB() / host.memoryPerChamberMiB()),
        bridge.memoryPerChamberMiB() - host.memoryPerChamberMiB());
    for (Population p : List.of(bridge, host)) {
      if (!p.left().isEmpty()) {
        System.out.println("LEFT BEHIND by " + p.label() + ": " + p.left());
      }
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("target", target);
    figures.put("bridge", json(bridge));
    figures.put("host", json(host));
    figures.put("memoryPerRawContainerMiB", Samples.round(perRaw));
    figures.put("rawContainers", raws);
    figures.put(
        "bridgeOverHostMemoryPerChamber",
        Samples.round(bridge.memoryPerChamberMiB() / host.memoryPerChamberMiB()));
    figures.put(
        "bridgeOverHostStartSeconds", Samples.round(bridge.startSeconds() / host.startSeconds()));
    figures.put(
        "bridgeOverHostDestroySeconds",
        Samples.round(bridge.destroySeconds() / host.destroySeconds()));
    figures.put("bridgeOverHostDaemonRss", Samples.round(bridge.rssMiB() / host.rssMiB()));
    report.put("density", figures);
  }

  private List<String> row(String figure, Function<Population, String> value) {
    return List.of(figure, value.apply(bridge), value.apply(host), "");
  }

  private List<String> row(
      String figure, Function<Population, String> value, ToDoubleFunction<Population> ratioOf) {
    return List.of(
        figure,
        value.apply(bridge),
        value.apply(host),
        Report.ratio(ratioOf.applyAsDouble(bridge) / ratioOf.applyAsDouble(host)));
  }

  private static Map<String, Object> json(Population p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("chambers", p.chambers());
    m.put("answered", p.answered());
    m.put("memoryPerChamberMiB", Samples.round(p.memoryPerChamberMiB()));
    m.put("daemonRssIdleMiB", Samples.round(p.rssIdleMiB()));
    m.put("daemonRssMiB", Samples.round(p.rssMiB()));
    m.put("startSeconds", Samples.round(p.startSeconds()));
    m.put("destroySeconds", Samples.round(p.destroySeconds()));
    m.put("leftBehind", p.left());
    return m;
  }
}
