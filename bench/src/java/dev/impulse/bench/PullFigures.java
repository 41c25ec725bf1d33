package dev.impulse.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/** The pull scenario's samples: each method's totals and steps, sizes, prunes. Not thread-safe. */
final class PullFigures {
  enum Method {
    IMPULSE("impulse, empty layer store", "impulse"),
    CACHED("impulse, layers kept (deleted, PUT again)", "impulseCached"),
    UMOCI("skopeo copy + umoci unpack", "skopeoUmociUnpack"),
    UMOCI_RAW("skopeo copy + umoci raw unpack", "skopeoUmociRawUnpack");

    final String label;

    /** The key of its figures in the results JSON. */
    final String key;

    Method(String label, String key) {
      this.label = label;
      this.key = key;
    }

    boolean baseline() {
      return this == UMOCI || this == UMOCI_RAW;
    }
  }

  /** The steps of a measurement, each timed on its own. */
  enum Step {
    /** The image puller's own time in the daemon's log: manifest, config, layers stored. */
    IMAGE_PULLED("daemon's log: image pulled (layers unpacked, synced)", "imagePulled"),
    /** The runtime's own time in the daemon's log: the image, then interpreter probe and record. */
    RUNTIME_PULLED("daemon's log: runtime pulled (+ probe, record)", "runtimePulled"),
    COPIED("skopeo copy (registry to oci: directory)", "skopeoCopy"),
    UNPACKED("umoci unpack of it", "umociUnpack"),
    /** {@code sync --file-system} of the baseline's directory, after its total was taken. */
    SYNCED("then syncfs (not in the total)", "syncfsAfter");

    final String label;

    /** The key of its figure in the results JSON. */
    final String key;

    Step(String label, String key) {
      this.label = label;
      this.key = key;
    }
  }

  /**
   * One measurement: its total (what the scenario times), its steps and the CPU time it took (the
   * daemon's, or the programs'), in ms.
   */
  static final class Run {
    final double totalMs;
    final Map<Step, Double> steps = new LinkedHashMap<>();
    double cpuMs = Double.NaN;
    double kernelMs = Double.NaN;

    Run(double totalMs) {
      this.totalMs = totalMs;
    }

    Run cpu(ProcStats.CpuTimes times) {
      cpuMs = times.totalMillis();
      kernelMs = times.systemMillis();
      return this;
    }

    void step(Step name, double ms) {
      steps.put(name, ms);
    }
  }

  final Map<Method, Samples> totals = new LinkedHashMap<>();
  final Map<Method, Map<Step, Samples>> steps = new LinkedHashMap<>();

  /** The CPU time each measurement took: the daemon's (impulse), the programs' (baselines). */
  final Map<Method, Samples> cpu = new LinkedHashMap<>();

  /** The part of {@link #cpu} spent in the kernel (system time). */
  final Map<Method, Samples> kernel = new LinkedHashMap<>();

  /** A baseline's total and its syncfs: the tree on disk as durably as impulse leaves it. */
  final Map<Method, Samples> withSync = new LinkedHashMap<>();

  /**
   * The warm-up rounds' totals, not counted: impulse's first is the daemon's first pull, its code
   * not yet compiled by the JIT.
   */
  final Map<Method, Samples> warmUp = new LinkedHashMap<>();

  private final Map<Method, Long> unpackedBytes = new LinkedHashMap<>();
  private final Map<Method, Double> last = new LinkedHashMap<>();
  private final Samples prune = new Samples();

  PullFigures() {
    for (Method m : Method.values()) {
      totals.put(m, new Samples());
      steps.put(m, new LinkedHashMap<>());
      cpu.put(m, new Samples());
      kernel.put(m, new Samples());
      warmUp.put(m, new Samples());
      if (m.baseline()) {
        withSync.put(m, new Samples());
      }
    }
  }

  void add(Method method, Run run) {
    totals.get(method).add(run.totalMs);
    last.put(method, run.totalMs);
    if (!Double.isNaN(run.cpuMs)) {
      cpu.get(method).add(run.cpuMs);
      kernel.get(method).add(run.kernelMs);
    }
    run.steps.forEach(
        (step, ms) -> steps.get(method).computeIfAbsent(step, s -> new Samples()).add(ms));
    if (method.baseline() && run.steps.containsKey(Step.SYNCED)) {
      withSync.get(method).add(run.totalMs + run.steps.get(Step.SYNCED));
    }
  }

  void warmUp(Method method, double totalMs) {
    warmUp.get(method).add(totalMs);
  }

  /** The last total measured of {@code method}; NaN before the first. */
  double last(Method method) {
    return last.getOrDefault(method, Double.NaN);
  }

  /** The time of deleting the runtime and pruning its layers, ms. */
  Samples prune() {
    return prune;
  }

  /** Records the bytes of the files {@code method} unpacked (the same every round). */
  void unpackedBytes(Method method, long bytes) {
    unpackedBytes.put(method, bytes);
  }

  OptionalLong unpackedBytes(Method method) {
    Long bytes = unpackedBytes.get(method);
    return bytes == null ? OptionalLong.empty() : OptionalLong.of(bytes);
  }
}
