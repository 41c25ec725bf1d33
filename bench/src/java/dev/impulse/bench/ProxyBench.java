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
 * straight to the same chamber's port and through nginx ({@link ProxyOverhead}); (2) a scale from
 * zero through the proxy against a cold start through the API, interleaved; (3) a burst from 0 to
 * 200 concurrent clients, with the deployment's chambers, in-flight and queued calls sampled every
 * 250 ms, and the scale back to zero afterwards.
 */
final class ProxyBench {
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

  /**
   * {@code rounds} rounds of {@code seconds} per path for the proxy's cost, and a burst of {@code
   * burstSeconds}.
   */
  void run(Report report, int rounds, int seconds, int burstSeconds) throws Exception {
    BenchDaemon d = env.bridge();
    String app = BenchEnv.APP;
    Map<String, Object> figures = new LinkedHashMap<>();
    deploy(d, "{\"minChambers\":1,\"concurrency\":8}");
    String chamber = awaitChambers(d, 1, Duration.ofMinutes(2)).getFirst();
    JsonNode c = d.awaitRunning(chamber, Duration.ofMinutes(2));
    HttpRequest proxied = call(URI.create("http://127.0.0.1:" + d.proxyPort + "/" + app + "/"));
    figures.put("overhead", overhead(d, c, rounds, seconds));

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
    figures.put("burst", burst(d, proxied, Duration.ofSeconds(burstSeconds), report));
    if (d.send("DELETE", "/deployments/" + app, null).statusCode() != 204) {
      throw new IllegalStateException("deleting the deployment failed");
    }
    report.put("proxy", figures);
  }

  /**
   * (1): direct, through the edge proxy and through nginx, with wrk; the targets compare the first
   * two, nginx shows what the field's proxy costs on the same machine.
   */
  private Map<String, Object> overhead(BenchDaemon d, JsonNode chamber, int rounds, int seconds)
      throws Exception {
    java.nio.file.Path dir = env.root.resolve("proxy");
    try (Programs tools = new Programs(env, Duration.ofSeconds(seconds + 30));
        NginxReference nginx =
            NginxReference.start(
                env,
                dir.resolve("nginx"),
                BenchEnv.APP,
                new java.net.InetSocketAddress(
                    chamber.get("address").asText(),
                    dev.impulse.network.BridgeNetwork.WRAPPER_PORT))) {
      ProxyOverhead bench =
          new ProxyOverhead(new Wrk(tools, dir, BODY), Duration.ofSeconds(seconds));
      ProxyOverhead.Path direct =
          new ProxyOverhead.Path(
              "direct", URI.create("http://127.0.0.1:" + chamber.get("port").asInt() + "/"), -1);
      ProxyOverhead.Path proxy =
          new ProxyOverhead.Path(
              "edge proxy",
              URI.create("http://127.0.0.1:" + d.proxyPort + "/" + BenchEnv.APP + "/"),
              d.pid());
      ProxyOverhead.Path reference = new ProxyOverhead.Path("nginx", nginx.uri(), nginx.pid());
      int warmSeconds = bench.warm(proxy, List.of(direct, reference));
      List<ProxyOverhead.Figures> all = bench.measure(List.of(direct, proxy, reference), rounds);
      ProxyOverhead.Figures byDirect = all.get(0);
      ProxyOverhead.Figures byProxy = all.get(1);
      ProxyOverhead.Figures byNginx = all.get(2);
      double added = (byProxy.p50Micros.median() - byDirect.p50Micros.median()) / 1000;
      double share = byProxy.callsPerSecond.median() / byDirect.callsPerSecond.median();
      double nginxAdded = (byNginx.p50Micros.median() - byDirect.p50Micros.median()) / 1000;
      double nginxShare = byNginx.callsPerSecond.median() / byDirect.callsPerSecond.median();
      Map<String, Object> overhead = new LinkedHashMap<>();
      overhead.put(
          "tool", "wrk -t1, one client for latency, " + ProxyOverhead.CLIENTS + " for calls/s");
      overhead.put("rounds", rounds);
      overhead.put("secondsPerRun", seconds);
      overhead.put("warmUpSeconds", warmSeconds);
      all.forEach(f -> overhead.put(f.path.name(), f.summary()));
      overhead.put("addedP50Ms", Samples.round(added * 1000) / 1000);
      overhead.put("proxyOverDirectThroughput", Samples.round(share));
      overhead.put("nginxAddedP50Ms", Samples.round(nginxAdded * 1000) / 1000);
      overhead.put("nginxOverDirectThroughput", Samples.round(nginxShare));
      List<List<String>> rows = new ArrayList<>();
      for (ProxyOverhead.Figures f : all) {
        rows.add(
            List.of(
                f.path.name(),
                String.format("%.0f", f.p50Micros.median()),
                String.format("%.0f", f.callsPerSecond.median()),
                String.format(
                    "%.0f%%", 100 * f.callsPerSecond.median() / byDirect.callsPerSecond.median()),
                f.path.pid() > 0 ? String.format("%.0f", f.cpuMicrosPerCall.median()) : "-"));
      }
      Report.table(
          "edge proxy against the chamber's own port and nginx ("
              + runtime
              + ", bridge; wrk, medians of "
              + rounds
              + " rounds of "
              + seconds
              + " s, after "
              + warmSeconds
              + " s of warm-up)",
          List.of(
              "path",
              "p50 µs (1 client)",
              "calls/s (" + ProxyOverhead.CLIENTS + " clients)",
              "of direct",
              "CPU µs per call"),
          rows);
      System.out.printf(
          "proxy adds %.3f ms at p50 (target <= 0.2); throughput %.0f%% of direct (target >= 90%%);"
              + " nginx: %.3f ms, %.0f%%%n",
          added, 100 * share, nginxAdded, 100 * nginxShare);
      return overhead;
    }
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
}
