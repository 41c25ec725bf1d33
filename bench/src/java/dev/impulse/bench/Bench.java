package dev.impulse.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * impulse's benchmark harness: {@code bench/run.sh
 * [coldstart|pool|api|churn|density|warm|proxy|languages|pull|all] [--quick] [--cold-rounds=N]}, or
 * {@code bench/run.sh chart [results.json]} to redraw the cold-start chart. Builds the baseimages
 * the chosen scenarios need, starts two daemons of its own (bridge and host networking) on scratch
 * directories, runs the scenarios with their baselines in the same run, prints tables, writes JSON
 * (and the cold-start chart) to bench/results/, and checks that nothing was left behind, while the
 * daemons run and once stopped.
 */
public final class Bench {
  static final List<String> SCENARIOS =
      List.of("coldstart", "pool", "api", "churn", "density", "warm", "proxy", "languages", "pull");

  private Bench() {}

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(System.getProperty("impulse.repo", ".")).toAbsolutePath().normalize();
    if (args.length > 0 && args[0].equals("chart")) {
      // bench/run.sh chart [results.json]: draw the cold-start chart again from saved samples.
      Path results = args.length > 1 ? Path.of(args[1]) : repo.resolve("bench/results/latest.json");
      Path svg = repo.resolve("bench/results/cold-start.svg");
      ColdStartReport.redraw(new ObjectMapper().readTree(results.toFile()), svg);
      System.out.println("chart: " + svg + " (from " + results + ")");
      return;
    }
    boolean quick = false;
    int coldRounds = 0; // --cold-rounds N: the cold-start scenario's rounds, to narrow its interval
    List<String> chosen = new ArrayList<>();
    for (String arg : args) {
      if (arg.startsWith("--cold-rounds=")) {
        coldRounds = Integer.parseInt(arg.substring("--cold-rounds=".length()));
        continue;
      }
      switch (arg) {
        case "--quick" -> quick = true;
        case "all" -> chosen.addAll(SCENARIOS);
        default -> {
          if (!SCENARIOS.contains(arg)) {
            System.err.println(
                "unknown scenario '" + arg + "'; choose from " + SCENARIOS + " or all");
            System.exit(2);
          }
          chosen.add(arg);
        }
      }
    }
    if (chosen.isEmpty()) {
      chosen.addAll(SCENARIOS);
    }
    List<String> runtimes = new ArrayList<>(BenchEnv.RUNTIMES);
    if (chosen.contains("languages")) {
      Languages.RUNTIMES.stream().filter(r -> !runtimes.contains(r)).forEach(runtimes::add);
    }
    Report report = new Report(repo.resolve("bench/results"), ProcStats.machine());
    List<String> leftovers = new ArrayList<>();
    BenchEnv env = new BenchEnv(repo, runtimes);
    try (env) {
      // Ctrl-C still destroys the chambers and stops the daemons (close() runs once).
      Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(env)));
      for (BenchDaemon d : env.daemons()) {
        System.out.println(
            d.label()
                + ": daemon pid "
                + d.pid()
                + " on port "
                + d.apiPort
                + ", data "
                + d.dataDir);
      }
      for (String scenario : chosen) {
        long t0 = System.nanoTime();
        switch (scenario) {
          case "coldstart" ->
              new ColdStart(env, "python3.11")
                  .run(report, coldRounds > 0 ? coldRounds : quick ? 10 : 40);
          case "pool" ->
              new PoolStart(env, "python3.11").run(report, quick ? 20 : 100, quick ? 10 : 50);
          case "api" ->
              new ApiLatency(env.bridge())
                  .run(report, quick ? List.of(10, 50) : List.of(10, 100, 500));
          case "churn" ->
              new Churn(env, "python3.11")
                  .run(report, Duration.ofSeconds(quick ? 16 : 60), quick ? 2 : 4);
          case "density" ->
              new Density(env, "python3.11").run(report, quick ? 100 : 1000, quick ? 20 : 100);
          case "warm" ->
              new WarmCalls(env, "python3.11").run(report, Duration.ofSeconds(quick ? 5 : 10));
          case "proxy" ->
              new ProxyBench(env, "python3.11")
                  .run(report, quick ? 2 : 5, quick ? 2 : 3, quick ? 5 : 10);
          case "languages" -> new Languages(env).run(report, quick ? 5 : 20);
          case "pull" -> new PullTime(env).run(report, quick ? 3 : 5);
          default -> throw new IllegalStateException(scenario);
        }
        System.out.printf("(%s took %.0f s)%n", scenario, (System.nanoTime() - t0) / 1e9);
      }
      leftovers.addAll(env.awaitNoLeaks());
    }
    // Both daemons are stopped: their bridge, rules, namespaces and everything else must be gone.
    leftovers.addAll(env.leftAfterStop());
    Path written = report.write();
    System.out.println();
    System.out.println("results: " + written);
    if (!leftovers.isEmpty()) {
      System.out.println("LEFT BEHIND: " + leftovers);
      System.exit(1);
    }
    System.out.println("nothing was left behind");
  }

  private static void closeQuietly(BenchEnv env) {
    try {
      env.close();
    } catch (Exception e) {
      System.err.println("cleaning up after an interrupted run: " + e);
    }
  }
}
