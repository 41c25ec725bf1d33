package dev.impulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
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
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario 5: calls straight to one chamber's port (what the edge proxy will do): latency of
 * sequential calls and throughput from concurrent clients, against the same wrapper started by raw
 * runc. impulse is not on this path, but with bridge networking (the chamber used here) its
 * forwarding is.
 */
final class WarmCalls {
  static final int CALLS = 3000;
  static final int WARM_UP = 300;
  static final int CLIENTS = 4;

  private final BenchEnv env;
  private final String runtime;

  WarmCalls(BenchEnv env, String runtime) {
    this.env = env;
    this.runtime = runtime;
  }

  void run(Report report, Duration throughputFor) throws Exception {
    BenchDaemon daemon = env.bridge();
    JsonNode chamber = daemon.create(runtime);
    daemon.awaitRunning(chamber.get("id").asText(), Duration.ofMinutes(2));
    Figures impulse;
    Figures raw;
    try (RawContainer c = RawContainer.start(env, RawContainer.Kind.OVERLAY, runtime, null)) {
      env.awaitFirstCall(c.port, Duration.ofMinutes(1));
      // Latency: calls alternate between the two, so both see the same machine and warm client.
      HttpRequest toImpulse = call(chamber.get("port").asInt());
      HttpRequest toRaw = call(c.port);
      Samples impulseLatency = new Samples();
      Samples rawLatency = new Samples();
      for (int i = 0; i < WARM_UP + CALLS; i++) {
        double a = timedCall(toImpulse);
        double b = timedCall(toRaw);
        if (i >= WARM_UP) {
          impulseLatency.add(a);
          rawLatency.add(b);
        }
      }
      impulse = new Figures(impulseLatency, throughput(toImpulse, throughputFor));
      raw = new Figures(rawLatency, throughput(toRaw, throughputFor));
    }
    daemon.destroy(chamber.get("id").asText());
    Report.table(
        "warm calls to one chamber's port, " + runtime,
        List.of("target", "p50 ms", "p99 ms", "calls/s (" + CLIENTS + " clients)"),
        List.of(row("impulse chamber (bridge)", impulse), row("raw runc container", raw)));
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("impulse", impulse.json());
    figures.put("raw", raw.json());
    figures.put(
        "impulseOverRawP50", Samples.round(impulse.latency.median() / raw.latency.median()));
    report.put("warmCalls", figures);
  }

  private static List<String> row(String name, Figures f) {
    return List.of(
        name,
        Report.ms(f.latency.median()),
        Report.ms(f.latency.percentile(99)),
        String.format("%.0f", f.rate));
  }

  private record Figures(Samples latency, double rate) {
    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("latencyMs", latency.summary());
      m.put("callsPerSecond", Samples.round(rate));
      return m;
    }
  }

  private static HttpRequest call(int port) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"bench\"}"))
        .build();
  }

  private double timedCall(HttpRequest request) throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<Void> r = env.http.send(request, HttpResponse.BodyHandlers.discarding());
    long t1 = System.nanoTime();
    if (r.statusCode() != 200) {
      throw new IllegalStateException("call to " + request.uri() + " answered " + r.statusCode());
    }
    return (t1 - t0) / 1e6;
  }

  private double throughput(HttpRequest request, Duration throughputFor) throws Exception {
    AtomicLong calls = new AtomicLong();
    long end = System.nanoTime() + throughputFor.toNanos();
    long started = System.nanoTime();
    try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
      List<Future<?>> all = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        all.add(
            clients.submit(() -> {
              while (System.nanoTime() < end) {
                if (env.http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode()
                    == 200) {
                  calls.incrementAndGet();
                }
              }
              return null;
            }));
      }
      for (Future<?> f : all) {
        f.get();
      }
    }
    return calls.get() / ((System.nanoTime() - started) / 1e9);
  }
}
