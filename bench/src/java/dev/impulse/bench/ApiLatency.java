package dev.impulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Scenario 2: GET /chambers and GET /chambers/{id} with 10, 100 and 500 live chambers, one client,
 * against GET /healthz on the same daemon as the baseline (the HTTP stack's floor); on the daemon
 * with bridge networking (networking is not on the API's path).
 */
final class ApiLatency {
  static final int REQUESTS = 2000;
  static final int WARM_UP = 300;

  private final BenchDaemon daemon;
  private final List<String> live = new ArrayList<>();

  ApiLatency(BenchDaemon daemon) {
    this.daemon = daemon;
  }

  void run(Report report, List<Integer> levels) throws Exception {
    Map<String, Object> figures = new LinkedHashMap<>();
    List<List<String>> rows = new ArrayList<>();
    for (int level : levels) {
      grow(level);
      double rss = daemon.rssMb();
      Samples list = measure("/chambers");
      Samples one = measure(null);
      Samples health = measure("/healthz");
      rows.add(row(level, "GET /chambers", list, health));
      rows.add(row(level, "GET /chambers/{id}", one, health));
      rows.add(row(level, "GET /healthz (baseline)", health, health));
      Map<String, Object> at = new LinkedHashMap<>();
      at.put("list", list.summary());
      at.put("get", one.summary());
      at.put("healthzBaseline", health.summary());
      at.put("daemonRssMiB", Samples.round(rss));
      figures.put(Integer.toString(level), at);
      System.out.printf(
          "  %d chambers: GET /chambers p99 %.2f ms (target <= 20 ms)%n",
          level, list.percentile(99));
    }
    Report.table(
        "API latency, one client, ms (" + REQUESTS + " requests each)",
        List.of("chambers", "request", "p50", "p99", "p50 / healthz p50"),
        rows);
    report.put("apiLatency", figures);
    for (String id : live) {
      daemon.destroy(id);
    }
    live.clear();
  }

  private static List<String> row(int level, String request, Samples s, Samples baseline) {
    return List.of(
        Integer.toString(level),
        request,
        Report.ms(s.median()),
        Report.ms(s.percentile(99)),
        Report.ratio(s.median() / baseline.median()));
  }

  /** Creates chambers (8 at a time) until {@code level} run. */
  private void grow(int level) throws Exception {
    System.out.printf("API latency: starting chambers up to %d%n", level);
    try (ExecutorService clients = Executors.newFixedThreadPool(8)) {
      List<Future<String>> started = new ArrayList<>();
      for (int i = live.size(); i < level; i++) {
        String runtime = i % 2 == 0 ? "python3.11" : "python3.9";
        started.add(
            clients.submit(() -> {
              JsonNode c = daemon.create(runtime);
              daemon.awaitRunning(c.get("id").asText(), Duration.ofMinutes(5));
              return c.get("id").asText();
            }));
      }
      for (Future<String> f : started) {
        live.add(f.get());
      }
    }
  }

  private Samples measure(String path) throws Exception {
    Samples samples = new Samples();
    for (int i = 0; i < WARM_UP + REQUESTS; i++) {
      String target =
          path != null
              ? path
              : "/chambers/" + live.get(ThreadLocalRandom.current().nextInt(live.size()));
      HttpRequest request = daemon.request(target).GET().build();
      long t0 = System.nanoTime();
      HttpResponse<byte[]> response =
          daemon.http().send(request, HttpResponse.BodyHandlers.ofByteArray());
      long t1 = System.nanoTime();
      if (response.statusCode() != 200) {
        throw new IllegalStateException(target + " answered " + response.statusCode());
      }
      if (i >= WARM_UP) {
        samples.add((t1 - t0) / 1e6);
      }
    }
    return samples;
  }
}
