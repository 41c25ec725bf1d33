package dev.impulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scenario 1: from the request to the first successful call, for impulse with bridge networking,
 * impulse with host networking and two baselines on the same baseimage and guest. Every round
 * measures each method once, in an order that rotates from round to round (and runs backwards every
 * other cycle of four rounds), so the machine's noise falls on all four alike and bridge and host
 * can be compared round by round. The create and the calls go through {@link
 * dev.impulse.testing.RawHttp}, so the client's own work stays out of the figures (from 2026-12-01
 * 16:10; the JDK's client before).
 */
final class ColdStart {
  enum Method {
    BRIDGE("impulse, bridge", "bridge"),
    HOST("impulse, host", "host"),
    RAW("raw runc", "raw"),
    POC("proof of concept (extract)", "poc"),
    FLOOR("floor: bare interpreter, socket module", "floor");

    final String label;

    /** The key of its figures in the results JSON. */
    final String key;

    Method(String label, String key) {
      this.label = label;
      this.key = key;
    }
  }

  static final String START = "request sent";
  static final String FIRST_CALL = "first successful call";

  private final BenchEnv env;
  private final String runtime;
  private final PocImages poc;
  private final Map<Method, Samples> totals = new LinkedHashMap<>();
  private final Map<Method, Map<String, Samples>> steps = new LinkedHashMap<>();

  ColdStart(BenchEnv env, String runtime) {
    this.env = env;
    this.runtime = runtime;
    this.poc = new PocImages(env);
    for (Method m : Method.values()) {
      totals.put(m, new Samples());
      steps.put(m, new LinkedHashMap<>());
    }
  }

  void run(Report report, int runs) throws Exception {
    poc.baseTar(runtime);
    poc.guestTar(env.functionLayer());
    System.out.printf(
        "cold start: %d rounds of %s on %s (plus 2 warm-up rounds)%n",
        runs, List.of(Method.values()).stream().map(m -> m.label).toList(), runtime);
    int methods = Method.values().length;
    for (int i = -2; i < runs; i++) {
      List<Method> order = new ArrayList<>(List.of(Method.values()));
      Collections.rotate(order, Math.floorMod(i, methods));
      if (Math.floorMod(Math.floorDiv(i, methods), 2) == 1) {
        // Rotation alone keeps the cyclic order (bridge always right before host): reversed
        // every other cycle, each method follows each other one as often as it precedes it, so
        // work one leaves behind (a namespace refilled or freed) does not always land on the same
        // neighbour.
        Collections.reverse(order);
      }
      for (Method method : order) {
        Breakdown breakdown = measure(method);
        if (i >= 0) {
          // To the first call, not to the last point: impulse's own probe may get its 200 later.
          totals.get(method).add(breakdown.span(START, FIRST_CALL));
          breakdown
              .durations()
              .forEach((step, ms) ->
                  steps.get(method).computeIfAbsent(step, s -> new Samples()).add(ms));
        }
      }
      if (i >= 0 && (i + 1) % 10 == 0) {
        System.out.printf("  %d/%d done%n", i + 1, runs);
      }
    }
    new ColdStartReport(runtime, totals, steps).write(report);
  }

  private Breakdown measure(Method method) {
    return switch (method) {
      case BRIDGE -> impulse(env.bridge());
      case HOST -> impulse(env.host());
      case RAW -> raw(RawContainer.Kind.OVERLAY);
      case POC -> raw(RawContainer.Kind.EXTRACTED);
      case FLOOR -> raw(RawContainer.Kind.FLOOR);
    };
  }

  private Breakdown impulse(BenchDaemon daemon) {
    Instant t0 = Instant.now();
    JsonNode chamber = daemon.createBare(runtime, "");
    int port = chamber.get("port").asInt();
    Instant first = env.awaitFirstCallBare(port, Duration.ofMinutes(2));
    String id = chamber.get("id").asText();
    Breakdown b =
        new Breakdown()
            .at(START, t0)
            .daemonSteps(daemon.startup(id))
            .wrapperSteps(env.wrapperTimings(port))
            .at(FIRST_CALL, first);
    daemon.destroy(id);
    // The next method starts once this daemon's background work for it is done (its network pool
    // settled), so no method is measured against another's refill.
    daemon.awaitNetworkPoolSettled(Duration.ofSeconds(10));
    return b;
  }

  private Breakdown raw(RawContainer.Kind kind) {
    try (RawContainer c = RawContainer.start(env, kind, runtime, poc)) {
      Instant first = env.awaitFirstCallBare(c.port, Duration.ofMinutes(2));
      return new Breakdown()
          .at(START, c.began)
          .at(
              kind == RawContainer.Kind.EXTRACTED ? "tars extracted" : "overlay mounted",
              c.rootReady)
          .at("config.json written", c.configured)
          .at("runc run -d returned", c.runReturned)
          .wrapperSteps(env.wrapperTimings(c.port))
          .at(FIRST_CALL, first);
    }
  }
}
