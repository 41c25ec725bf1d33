package dev.impulse.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One churn variant's figures, summed over its rounds.
 *
 * @param cycles every cycle's duration, ms
 * @param seconds how long its rounds ran, together
 * @param hostCpuMillis CPU time all cores were busy during its rounds (clients included)
 * @param daemonCpuMillis CPU time its impulse daemon used during its rounds (0 for raw runc)
 * @param forcedStops destroys that waited out the grace period and sent SIGKILL (the raw baseline
 *     kills at once)
 */
record ChurnResult(
    Samples cycles,
    int errors,
    double seconds,
    long hostCpuMillis,
    long daemonCpuMillis,
    long forcedStops) {
  static final ChurnResult EMPTY = new ChurnResult(new Samples(), 0, 0, 0, 0, 0);

  static final List<String> HEADER =
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
          "left behind");

  /** Both rounds' figures together. */
  ChurnResult plus(ChurnResult other) {
    Samples all = new Samples();
    cycles.values().forEach(all::add);
    other.cycles.values().forEach(all::add);
    return new ChurnResult(
        all,
        errors + other.errors,
        seconds + other.seconds,
        hostCpuMillis + other.hostCpuMillis,
        daemonCpuMillis + other.daemonCpuMillis,
        forcedStops + other.forcedStops);
  }

  double rate() {
    return cycles.count() / seconds;
  }

  double hostCpuPerCycle() {
    return hostCpuMillis / (double) Math.max(1, cycles.count());
  }

  double daemonCpuPerCycle() {
    return daemonCpuMillis / (double) Math.max(1, cycles.count());
  }

  List<String> row(String name, List<String> left) {
    return List.of(
        name,
        Integer.toString(cycles.count()),
        String.format("%.1f", rate()),
        Report.ms(cycles.median()),
        Report.ms(cycles.percentile(99)),
        String.format("%.0f", hostCpuPerCycle()),
        String.format("%.0f", daemonCpuPerCycle()),
        Long.toString(forcedStops),
        Integer.toString(errors),
        left.isEmpty() ? "nothing" : left.size() + " things");
  }

  Map<String, Object> json(List<String> left) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cycles", cycles.count());
    m.put("cyclesPerSecond", Samples.round(rate()));
    m.put("cycleMs", cycles.summary());
    m.put("hostCpuMsPerCycle", Samples.round(hostCpuPerCycle()));
    m.put("daemonCpuMsPerCycle", Samples.round(daemonCpuPerCycle()));
    m.put("stopsNeedingSigkill", forcedStops);
    m.put("errors", errors);
    m.put("leftBehind", left);
    return m;
  }
}
