package dev.impulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario 7, the function service: (1) the edge proxy's cost, calls through it against calls
 * straight to the same chamber's port, alternating, then throughput from 4 clients each way; (2) a
 * scale from zero through the proxy against a cold start through the API, interleaved; (3) a burst
 * from 0 to 200 concurrent clients, with the deployment's chambers, in-flight and queued calls
 * sampled every 250 ms, and the scale back to zero afterwards.
 */
final class ProxyBench {
  static final int WARM_UP =
      2000; // the proxy's JIT is cold at first: its first thousand calls are slow
  static final int CLIENTS = 4;
  static final int BURST_CLIENTS = 200;
  static final int ZERO_ROUNDS = 10;
  private static final String BODY = "{\"name\":\"bench\"}";

  private final BenchEnv env;
  private final String runtime;
  private final ObjectMapper json = new ObjectMapper();

  ProxyBench(BenchEnv env, String runtime) {
    this.env = env;
    this.runtime = runtime;
  }

  void run(Report report, int calls, int seconds) throws Exception {
    BenchDaemon d = env.bridge();
    String app = BenchEnv.APP;
    Map<String, Object> figures = new LinkedHashMap<>();
    deploy(d, "{\"minChambers\":1,\"concurrency\":8}");
    String chamber = awaitChambers(d, 1, Duration.ofMinutes(2)).getFirst();
    JsonNode c = d.awaitRunning(chamber, Duration.ofMinutes(2));
    HttpRequest direct = call(URI.create("http://127.0.0.1:" + c.get("port").asInt() + "/"));
    HttpRequest proxied = call(URI.create("http://127.0.0.1:" + d.proxyPort + "/" + app + "/"));

    Samples directLatency = new Samples();
    Samples proxyLatency = new Samples();
    for (int i = 0; i < WARM_UP + calls; i++) {
      double a = timed(direct);
      double b = timed(proxied);
      if (i >= WARM_UP) {
        directLatency.add(a);
        proxyLatency.add(b);
      }
    }
    double directRate = throughput(direct, Duration.ofSeconds(seconds));
    double proxyRate = throughput(proxied, Duration.ofSeconds(seconds));
    double added = proxyLatency.median() - directLatency.median();
    Map<String, Object> overhead = new LinkedHashMap<>();
    overhead.put("directMs", directLatency.summary());
    overhead.put("proxyMs", proxyLatency.summary());
    overhead.put("addedP50Ms", Samples.round(added));
    overhead.put("directCallsPerSecond", Samples.round(directRate));
    overhead.put("proxyCallsPerSecond", Samples.round(proxyRate));
    overhead.put("proxyOverDirectThroughput", Samples.round(proxyRate / directRate));
    figures.put("overhead", overhead);
    Report.table(
        "edge proxy against the chamber's own port (" + runtime + ", bridge, " + calls + " calls)",
        List.of("path", "p50 ms", "p99 ms", "calls/s (" + CLIENTS + " clients)"),
        List.of(
            List.of(
                "direct",
                Report.ms(directLatency.median()),
                Report.ms(directLatency.percentile(99)),
                String.format("%.0f", directRate)),
            List.of(
                "through the proxy",
                Report.ms(proxyLatency.median()),
                Report.ms(proxyLatency.percentile(99)),
                String.format("%.0f", proxyRate))));
    System.out.printf(
        "proxy adds %.3f ms at p50 (target <= 0.2); throughput %.0f%% of direct (target >= 90%%)%n",
        added, 100 * proxyRate / directRate);

    // (2) scale from zero against a cold start
    deploy(d, "{\"minChambers\":0,\"idleTimeoutMs\":1000}");
    Samples fromZero = new Samples();
    Samples cold = new Samples();
    for (int i = 0; i < ZERO_ROUNDS; i++) {
      awaitChambers(d, 0, Duration.ofMinutes(1));
      long t0 = System.nanoTime();
      HttpResponse<Void> r = env.http.send(proxied, HttpResponse.BodyHandlers.discarding());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("a scale from zero answered " + r.statusCode());
      }
      fromZero.add((System.nanoTime() - t0) / 1e6);
      t0 = System.nanoTime();
      JsonNode created = d.create(runtime);
      HttpRequest first = call(URI.create("http://127.0.0.1:" + created.get("port").asInt() + "/"));
      awaitAnswer(first, Duration.ofMinutes(1));
      cold.add((System.nanoTime() - t0) / 1e6);
      d.destroy(created.get("id").asText());
    }
    Map<String, Object> zero = new LinkedHashMap<>();
    zero.put("fromZeroMs", fromZero.summary());
    zero.put("coldStartMs", cold.summary());
    zero.put("fromZeroOverCold", Samples.round(fromZero.median() / cold.median()));
    figures.put("scaleFromZero", zero);
    Report.table(
        "first answer: scale from zero through the proxy against a cold start through the API",
        List.of("path", "p50 ms", "p95 ms", "n"),
        List.of(
            List.of(
                "scale from zero (proxy)",
                Report.ms(fromZero.median()),
                Report.ms(fromZero.percentile(95)),
                Integer.toString(ZERO_ROUNDS)),
            List.of(
                "cold start (POST /chambers, then call)",
                Report.ms(cold.median()),
                Report.ms(cold.percentile(95)),
                Integer.toString(ZERO_ROUNDS))));

    // (3) a burst from 0 to 200 clients, then back to zero
    deploy(d, "{\"minChambers\":0,\"concurrency\":10,\"maxChambers\":20,\"idleTimeoutMs\":2000}");
    awaitChambers(d, 0, Duration.ofMinutes(1));
    figures.put("burst", burst(d, proxied, Duration.ofSeconds(seconds), report));
    if (d.send("DELETE", "/deployments/" + app, null).statusCode() != 204) {
      throw new IllegalStateException("deleting the deployment failed");
    }
    report.put("proxy", figures);
  }

  private Map<String, Object> burst(
      BenchDaemon d, HttpRequest proxied, Duration length, Report report) throws Exception {
    HttpClient clients = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    Samples latency = new Samples();
    ConcurrentLinkedQueue<Double> times = new ConcurrentLinkedQueue<>();
    Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
    AtomicLong failures = new AtomicLong();
    List<double[]> chambers = new ArrayList<>();
    List<double[]> inFlight = new ArrayList<>();
    List<double[]> queued = new ArrayList<>();
    long start = System.nanoTime();
    long end = start + length.toNanos();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < BURST_CLIENTS; i++) {
        all.add(
            pool.submit(() -> {
              while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                try {
                  int status =
                      clients.send(proxied, HttpResponse.BodyHandlers.discarding()).statusCode();
                  statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                  times.add((System.nanoTime() - t0) / 1e6);
                } catch (java.io.IOException e) {
                  failures.incrementAndGet();
                }
              }
              return null;
            }));
      }
      // Sample while the clients run, then until the deployment is back at zero (at most 60 s).
      long zeroBy = 0;
      while (true) {
        JsonNode state = json.readTree(d.send("GET", "/deployments/" + BenchEnv.APP, null).body());
        double t = (System.nanoTime() - start) / 1e9;
        chambers.add(new double[] {t, state.get("chambers").size()});
        inFlight.add(new double[] {t, state.get("inFlight").asInt()});
        queued.add(new double[] {t, state.get("queued").asInt()});
        boolean over = System.nanoTime() > end;
        if (over && state.get("chambers").isEmpty()) {
          zeroBy = System.nanoTime();
          break;
        }
        if (System.nanoTime() > end + Duration.ofSeconds(60).toNanos()) {
          break;
        }
        BenchEnv.sleep(250);
      }
      for (Future<?> f : all) {
        f.get();
      }
      times.forEach(latency::add);
      long total = statuses.values().stream().mapToLong(AtomicLong::get).sum();
      long errors =
          failures.get()
              + statuses.entrySet().stream()
                  .filter(e -> e.getKey() != 200)
                  .mapToLong(e -> e.getValue().get())
                  .sum();
      int peak = chambers.stream().mapToInt(p -> (int) p[1]).max().orElse(0);
      java.nio.file.Path svg = report.dir().resolve("proxy-burst.svg");
      TimelineChart.write(
          svg,
          "A burst of " + BURST_CLIENTS + " clients through the edge proxy, then scale to zero",
          "count",
          List.of(
              new TimelineChart.Series("chambers", chambers),
              new TimelineChart.Series("calls in flight", inFlight),
              new TimelineChart.Series("calls queued", queued)));
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("clients", BURST_CLIENTS);
      figures.put("seconds", length.toSeconds());
      figures.put("calls", total);
      figures.put("callsPerSecond", Samples.round(total / (length.toNanos() / 1e9)));
      figures.put("statuses", new TreeMap<>(statuses));
      figures.put("errors", errors);
      figures.put("latencyMs", latency.summary());
      figures.put("peakChambers", peak);
      figures.put(
          "backToZeroSecondsAfterLastCall",
          zeroBy == 0 ? null : Samples.round((zeroBy - end) / 1e9));
      Report.table(
          "burst: "
              + BURST_CLIENTS
              + " clients for "
              + length.toSeconds()
              + " s (concurrency 10, max 20)",
          List.of("calls", "errors", "p50 ms", "p99 ms", "peak chambers", "to zero s"),
          List.of(
              List.of(
                  Long.toString(total),
                  Long.toString(errors),
                  Report.ms(latency.median()),
                  Report.ms(latency.percentile(99)),
                  Integer.toString(peak),
                  zeroBy == 0 ? "not in 60 s" : String.format("%.1f", (zeroBy - end) / 1e9))));
      System.out.println("chart: " + svg);
      return figures;
    }
  }

  private void deploy(BenchDaemon d, String scaling) {
    String body =
        "{\"version\":\""
            + BenchEnv.VERSION
            + "\",\"runtime\":\""
            + runtime
            + "\","
            + scaling.substring(1);
    HttpResponse<String> r = d.send("PUT", "/deployments/" + BenchEnv.APP, body);
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException("deploying failed: " + r.body());
    }
  }

  /** Waits until the deployment has {@code n} chambers; returns their ids. */
  private List<String> awaitChambers(BenchDaemon d, int n, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode state = json.readTree(d.send("GET", "/deployments/" + BenchEnv.APP, null).body());
      List<String> ids = new ArrayList<>();
      state.get("chambers").forEach(id -> ids.add(id.asText()));
      if (ids.size() == n) {
        return ids;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the deployment never had " + n + " chambers: " + state);
      }
      BenchEnv.sleep(20);
    }
  }

  private void awaitAnswer(HttpRequest request, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        if (env.http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no answer from " + request.uri());
      }
      BenchEnv.sleep(1);
    }
  }

  private static HttpRequest call(URI uri) {
    return HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString(BODY))
        .build();
  }

  private double timed(HttpRequest request) throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<Void> r = env.http.send(request, HttpResponse.BodyHandlers.discarding());
    long t1 = System.nanoTime();
    if (r.statusCode() != 200) {
      throw new IllegalStateException("call to " + request.uri() + " answered " + r.statusCode());
    }
    return (t1 - t0) / 1e6;
  }

  private double throughput(HttpRequest request, Duration length) throws Exception {
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + length.toNanos();
    long started = System.nanoTime();
    try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        all.add(
            clients.submit(() -> {
              while (System.nanoTime() < end) {
                if (env.http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode()
                    == 200) {
                  done.incrementAndGet();
                }
              }
              return null;
            }));
      }
      for (Future<?> f : all) {
        f.get();
      }
    }
    return done.get() / ((System.nanoTime() - started) / 1e9);
  }
}
