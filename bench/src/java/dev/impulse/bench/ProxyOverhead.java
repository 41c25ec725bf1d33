package dev.impulse.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The edge proxy's cost: calls through it against calls straight to the same chamber's port, and
 * through nginx in front of the same chamber as the field's reference, all measured with {@link
 * Wrk}. First the proxy is warmed until its rate settles (the JIT compiles Jetty's paths over tens
 * of thousands of calls; a daemon serves for days), then {@code rounds} rounds, each path in a
 * rotating order: one client for the median latency, {@link #CLIENTS} for calls per second. The
 * figures are the medians of the rounds; the daemon's and nginx's CPU per call are read from /proc.
 */
final class ProxyOverhead {
  static final int CLIENTS = 4;
  static final Duration WARM_ROUND = Duration.ofSeconds(5);
  static final int MAX_WARM_ROUNDS = 12;

  /** Two warm-up rounds this close in rate: the proxy is warm. */
  static final double SETTLED = 0.05;

  private final Wrk wrk;
  private final Duration length;

  ProxyOverhead(Wrk wrk, Duration length) {
    this.wrk = wrk;
    this.length = length;
  }

  /** A way to the chamber: its name, its URI and the process whose CPU it costs (or -1). */
  record Path(String name, URI uri, long pid) {}

  /** Per path, the rounds' figures. */
  static final class Figures {
    final Path path;
    final Samples p50Micros = new Samples();
    final Samples callsPerSecond = new Samples();
    final Samples cpuMicrosPerCall = new Samples();

    Figures(Path path) {
      this.path = path;
    }

    Map<String, Object> summary() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("p50Micros", Samples.round(p50Micros.median()));
      m.put("p50MicrosByRound", p50Micros.values());
      m.put("callsPerSecond", Samples.round(callsPerSecond.median()));
      m.put("callsPerSecondByRound", callsPerSecond.values());
      if (path.pid() > 0) {
        m.put("cpuMicrosPerCall", Samples.round(cpuMicrosPerCall.median()));
      }
      return m;
    }
  }

  /** Warms {@code proxy} and returns the seconds it took. */
  int warm(Path proxy, List<Path> others) {
    double last = 0;
    int rounds = 0;
    while (rounds < MAX_WARM_ROUNDS) {
      double rate = wrk.run(proxy.uri(), CLIENTS, WARM_ROUND).callsPerSecond();
      rounds++;
      if (last > 0 && Math.abs(rate - last) / last < SETTLED) {
        break;
      }
      last = rate;
    }
    for (Path other : others) {
      wrk.run(other.uri(), CLIENTS, Duration.ofSeconds(2));
    }
    return (int) (rounds * WARM_ROUND.toSeconds());
  }

  List<Figures> measure(List<Path> paths, int rounds) {
    List<Figures> all = new ArrayList<>();
    paths.forEach(p -> all.add(new Figures(p)));
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < all.size(); i++) {
        Figures f = all.get((i + round) % all.size());
        f.p50Micros.add(wrk.run(f.path.uri(), 1, length).p50Ms() * 1000);
        long cpu0 = f.path.pid() > 0 ? ProcStats.processCpuMillis(f.path.pid()) : 0;
        Wrk.Result r = wrk.run(f.path.uri(), CLIENTS, length);
        long cpu1 = f.path.pid() > 0 ? ProcStats.processCpuMillis(f.path.pid()) : 0;
        f.callsPerSecond.add(r.callsPerSecond());
        if (f.path.pid() > 0) {
          f.cpuMicrosPerCall.add((cpu1 - cpu0) * 1000.0 / r.calls());
        }
      }
    }
    return all;
  }
}
