package dev.impulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where one start's time went: named points on one wall clock (the host's; the daemon, the wrapper
 * inside the container and this harness all read it), turned into the durations between them. Steps
 * can overlap (runc returns while Python is already starting), so a step may be short.
 */
final class Breakdown {
  /** The wrapper's points ({@code GET /healthz} timings). */
  static final String STARTED = "wrapper: interpreter up";

  /** Java's only: the JVM runs the wrapper's main ({@code started} is when the process began). */
  static final String RUNTIME_UP = "wrapper: runtime up";

  static final String IMPORTS_DONE = "wrapper: its imports";
  static final String GUEST_IMPORTED = "wrapper: guest imported";
  static final String LISTENING = "wrapper: port bound";

  private final List<String> names = new ArrayList<>();
  private final List<Double> micros = new ArrayList<>();

  /** Adds a point; absent points (a field the source lacked) are skipped. */
  Breakdown at(String name, double epochMicros) {
    if (!Double.isNaN(epochMicros) && epochMicros > 0) {
      names.add(name);
      micros.add(epochMicros);
    }
    return this;
  }

  Breakdown at(String name, Instant instant) {
    return at(name, instant.getEpochSecond() * 1e6 + instant.getNano() / 1e3);
  }

  /** The daemon's startup marks ({@code GET /chambers/{id}/startup}). */
  Breakdown daemonSteps(JsonNode startup) {
    for (JsonNode step : startup.get("steps")) {
      at(step.get("step").asText(), step.get("epochMicros").asDouble());
    }
    return this;
  }

  /** The wrapper's own times ({@code GET /healthz} timings, epoch seconds). */
  Breakdown wrapperSteps(JsonNode timings) {
    if (timings == null || timings.isMissingNode()) {
      return this; // the floor and a native guest have no wrapper
    }
    at(STARTED, timings.path("started").asDouble(Double.NaN) * 1e6);
    at(RUNTIME_UP, timings.path("runtime_up").asDouble(Double.NaN) * 1e6);
    at(IMPORTS_DONE, timings.path("imports_done").asDouble(Double.NaN) * 1e6);
    at(GUEST_IMPORTED, timings.path("guest_imported").asDouble(Double.NaN) * 1e6);
    at(LISTENING, timings.path("listening").asDouble(Double.NaN) * 1e6);
    return this;
  }

  /** Milliseconds from point {@code from} to point {@code to}. */
  double span(String from, String to) {
    return (micros.get(names.indexOf(to)) - micros.get(names.indexOf(from))) / 1000.0;
  }

  /** Whether the point {@code name} was added. */
  boolean has(String name) {
    return names.contains(name);
  }

  /** Each point's time in ms after point {@code from}, in time order (those before it too). */
  Map<String, Double> offsets(String from) {
    double origin = micros.get(names.indexOf(from));
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      order.add(i);
    }
    order.sort((a, b) -> Double.compare(micros.get(a), micros.get(b)));
    Map<String, Double> offsets = new LinkedHashMap<>();
    for (int i : order) {
      offsets.put(names.get(i), (micros.get(i) - origin) / 1000.0);
    }
    return offsets;
  }

  /** Each step's duration in ms, named "previous -> point", in time order. */
  Map<String, Double> durations() {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      order.add(i);
    }
    order.sort((a, b) -> Double.compare(micros.get(a), micros.get(b)));
    Map<String, Double> steps = new LinkedHashMap<>();
    for (int k = 1; k < order.size(); k++) {
      int previous = order.get(k - 1);
      int current = order.get(k);
      steps.put(names.get(current), (micros.get(current) - micros.get(previous)) / 1000.0);
    }
    return steps;
  }
}
