package dev.impulse.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Measured values (milliseconds, usually) and their percentiles. Not thread-safe. */
final class Samples {
  private final List<Double> values = new ArrayList<>();

  void add(double value) {
    values.add(value);
  }

  int count() {
    return values.size();
  }

  List<Double> values() {
    return List.copyOf(values);
  }

  /** The p-th percentile (0-100), interpolated between the nearest ranks. */
  double percentile(double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    double rank = p / 100 * (sorted.size() - 1);
    int low = (int) Math.floor(rank);
    int high = (int) Math.ceil(rank);
    return sorted.get(low) + (sorted.get(high) - sorted.get(low)) * (rank - low);
  }

  double median() {
    return percentile(50);
  }

  double max() {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  double min() {
    return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  /** p50, p95, p99, min, max and the count, for the JSON report. */
  Map<String, Object> summary() {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("n", count());
    summary.put("p50", round(median()));
    summary.put("p95", round(percentile(95)));
    summary.put("p99", round(percentile(99)));
    summary.put("min", round(min()));
    summary.put("max", round(max()));
    return summary;
  }

  static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
