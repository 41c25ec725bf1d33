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

/**
 * Scenario 4: start chambers until the target runs (or memory runs short), call each once, and
 * report memory per chamber, the daemon's resident memory and the time it all took. The baseline
 * starts raw runc containers of the same wrapper (no conmon, no daemon) to price a container
 * without impulse.
 */
final class Density {
  static final int CLIENTS = 8;
  static final long RESERVE_KB = 2L << 20; // stop with 2 GiB left

  private final BenchEnv env;
  private final String runtime;

  Density(BenchEnv env, String runtime) {
    this.env = env;
    this.runtime = runtime;
  }

  void run(Report report, int target, int rawTarget) throws Exception {
    System.out.printf(
        "density: up to %d chambers of %s, then %d raw runc containers%n",
        target, runtime, rawTarget);
    settle();
    long before = ProcStats.usedKb();
    double rssBefore = env.daemonRssMb();
    long t0 = System.nanoTime();
    List<JsonNode> chambers = startChambers(target);
    double startSeconds = (System.nanoTime() - t0) / 1e9;
    int answered = callAll(chambers.stream().map(c -> c.get("port").asInt()).toList());
    settle();
    long after = ProcStats.usedKb();
    double rss = env.daemonRssMb();
    int n = chambers.size();
    double perChamber = (after - before) / 1024.0 / n;

    t0 = System.nanoTime();
    try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
      List<Future<?>> gone = new ArrayList<>();
      for (JsonNode c : chambers) {
        gone.add(clients.submit(() -> env.destroy(c.get("id").asText())));
      }
      for (Future<?> f : gone) {
        f.get();
      }
    }
    double destroySeconds = (System.nanoTime() - t0) / 1e9;
    List<String> left = env.awaitNoLeaks();

    settle();
    long rawBefore = ProcStats.usedKb();
    List<RawContainer> raws = new ArrayList<>();
    try {
      for (int i = 0; i < rawTarget; i++) {
        raws.add(RawContainer.start(env, RawContainer.Kind.OVERLAY, runtime, null));
      }
      callAll(raws.stream().map(r -> r.port).toList());
      settle();
    } finally {
      long rawAfter = ProcStats.usedKb();
      double perRaw = raws.isEmpty() ? Double.NaN : (rawAfter - rawBefore) / 1024.0 / raws.size();
      raws.forEach(RawContainer::close);
      report(
          report,
          n,
          target,
          answered,
          perChamber,
          perRaw,
          rssBefore,
          rss,
          startSeconds,
          destroySeconds,
          left,
          raws.size());
    }
  }

  private void report(
      Report report,
      int n,
      int target,
      int answered,
      double perChamber,
      double perRaw,
      double rssBefore,
      double rss,
      double startSeconds,
      double destroySeconds,
      List<String> left,
      int raws) {
    Report.table(
        "density: " + n + " chambers of " + runtime,
        List.of("figure", "value"),
        List.of(
            List.of("chambers running (target " + target + ")", Integer.toString(n)),
            List.of("answered a call", Integer.toString(answered)),
            List.of("host memory per chamber, MiB", String.format("%.1f", perChamber)),
            List.of(
                "host memory per raw runc container (" + raws + "), MiB",
                String.format("%.1f", perRaw)),
            List.of("per chamber / per raw container", Report.ratio(perChamber / perRaw)),
            List.of(
                "daemon RSS idle -> loaded, MiB (target <= 300)",
                String.format("%.0f -> %.0f", rssBefore, rss)),
            List.of("time to start them all, s", String.format("%.1f", startSeconds)),
            List.of("chambers started per second", String.format("%.1f", n / startSeconds)),
            List.of("time to destroy them all, s", String.format("%.1f", destroySeconds)),
            List.of("left behind", left.isEmpty() ? "nothing" : left.toString())));
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("target", target);
    figures.put("chambers", n);
    figures.put("answered", answered);
    figures.put("memoryPerChamberMiB", Samples.round(perChamber));
    figures.put("memoryPerRawContainerMiB", Samples.round(perRaw));
    figures.put("rawContainers", raws);
    figures.put("daemonRssIdleMiB", Samples.round(rssBefore));
    figures.put("daemonRssMiB", Samples.round(rss));
    figures.put("startSeconds", Samples.round(startSeconds));
    figures.put("destroySeconds", Samples.round(destroySeconds));
    figures.put("leftBehind", left);
    report.put("density", figures);
  }

  private List<JsonNode> startChambers(int target) throws Exception {
    List<JsonNode> started = new ArrayList<>();
    int batch = 50;
    while (started.size() < target) {
      if (ProcStats.meminfoKb("MemAvailable") < RESERVE_KB) {
        System.out.printf("  memory runs short at %d chambers; stopping there%n", started.size());
        break;
      }
      int next = Math.min(batch, target - started.size());
      try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
        List<Future<JsonNode>> round = new ArrayList<>();
        for (int i = 0; i < next; i++) {
          round.add(
              clients.submit(() -> {
                JsonNode c = env.create(runtime);
                env.awaitRunning(c.get("id").asText(), Duration.ofMinutes(5));
                return c;
              }));
        }
        for (Future<JsonNode> f : round) {
          started.add(f.get());
        }
      }
      if (started.size() % 100 == 0) {
        System.out.printf(
            "  %d running; daemon RSS %.0f MiB; %d MiB available%n",
            started.size(), env.daemonRssMb(), ProcStats.meminfoKb("MemAvailable") / 1024);
      }
    }
    return started;
  }

  private int callAll(List<Integer> ports) throws Exception {
    int answered = 0;
    try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
      List<Future<Boolean>> calls = new ArrayList<>();
      for (int port : ports) {
        calls.add(clients.submit(() -> env.call(port)));
      }
      for (Future<Boolean> f : calls) {
        if (f.get()) {
          answered++;
        }
      }
    }
    return answered;
  }

  /** Lets the page cache and the daemon's heap settle before a memory reading. */
  private static void settle() {
    System.gc();
    BenchEnv.sleep(3000);
  }
}
