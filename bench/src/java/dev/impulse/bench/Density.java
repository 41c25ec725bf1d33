package dev.impulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Scenario 4: start chambers until the target runs (or memory runs short), call each once, and
 * report memory per chamber, the daemon's resident memory and the time it all took; for impulse
 * with bridge networking, then with host networking (a population is measured alone, so the two
 * take turns rather than share the machine). The baseline starts raw runc containers of the same
 * wrapper (no conmon, no daemon) to price a container without impulse.
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

  /** What one daemon's population measured. */
  record Population(
      String label,
      int chambers,
      int answered,
      double memoryPerChamberMiB,
      double rssIdleMiB,
      double rssMiB,
      double startSeconds,
      double destroySeconds,
      List<String> left) {}

  void run(Report report, int target, int rawTarget) throws Exception {
    System.out.printf(
        "density: up to %d chambers of %s with bridge, then host networking; then %d raw runc"
            + " containers%n",
        target, runtime, rawTarget);
    List<Population> populations = new ArrayList<>();
    for (BenchDaemon daemon : env.daemons()) {
      populations.add(population(daemon, target));
    }
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
      new DensityReport(runtime, target, populations, perRaw, raws.size()).write(report);
    }
  }

  private Population population(BenchDaemon daemon, int target) throws Exception {
    System.out.printf("  %s:%n", daemon.label());
    settle();
    long before = ProcStats.usedKb();
    double rssBefore = daemon.rssMb();
    long t0 = System.nanoTime();
    List<JsonNode> chambers = startChambers(daemon, target);
    double startSeconds = (System.nanoTime() - t0) / 1e9;
    int answered = callAll(chambers.stream().map(c -> c.get("port").asInt()).toList());
    settle();
    long after = ProcStats.usedKb();
    double rss = daemon.rssMb();
    int n = chambers.size();
    double perChamber = (after - before) / 1024.0 / n;

    t0 = System.nanoTime();
    try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
      List<Future<?>> gone = new ArrayList<>();
      for (JsonNode c : chambers) {
        gone.add(clients.submit(() -> daemon.destroy(c.get("id").asText())));
      }
      for (Future<?> f : gone) {
        f.get();
      }
    }
    double destroySeconds = (System.nanoTime() - t0) / 1e9;
    List<String> left = BenchEnv.awaitNone(daemon::leaks);
    return new Population(
        daemon.label(),
        n,
        answered,
        perChamber,
        rssBefore,
        rss,
        startSeconds,
        destroySeconds,
        left);
  }

  private List<JsonNode> startChambers(BenchDaemon daemon, int target) throws Exception {
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
                JsonNode c = daemon.create(runtime);
                daemon.awaitRunning(c.get("id").asText(), Duration.ofMinutes(5));
                return c;
              }));
        }
        for (Future<JsonNode> f : round) {
          started.add(f.get());
        }
      }
      if (started.size() % 100 == 0) {
        System.out.printf(
            "    %d running; daemon RSS %.0f MiB; %d MiB available%n",
            started.size(), daemon.rssMb(), ProcStats.meminfoKb("MemAvailable") / 1024);
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

  /**
   * Lets the page cache, the daemon's heap and the kernel's freeing of destroyed network namespaces
   * (done in the background, after a population was destroyed) settle before a memory reading: 3 s,
   * then until two readings a second apart differ by less than 4 MiB (at most 30 s).
   */
  private static void settle() {
    System.gc();
    BenchEnv.sleep(3000);
    long previous = ProcStats.usedKb();
    for (int i = 0; i < 30; i++) {
      BenchEnv.sleep(1000);
      long now = ProcStats.usedKb();
      if (Math.abs(now - previous) < 4096) {
        return;
      }
      previous = now;
    }
  }
}
