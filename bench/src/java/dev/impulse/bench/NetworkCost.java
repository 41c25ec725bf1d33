package dev.impulse.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What bridge networking costs a cold start, from samples of impulse with bridge and with host
 * networking taken in the same rounds: the difference of the medians (the figure: at most
 * {@link #TARGET_MS} ms), their ratio, the median of the per-round differences, and a bootstrap
 * interval of the difference of the medians (rounds resampled in pairs, so noise that hit both
 * halves of a round stays paired), which says whether the run had enough samples to tell.
 */
final class NetworkCost {
  /** The most bridge networking may add to the cold-start p50. */
  static final double TARGET_MS = 2.0;

  private static final int RESAMPLES = 2000;

  final double bridgeP50;
  final double hostP50;
  final double difference;
  final double ratio;
  final double pairedMedian;
  final double ciLow;
  final double ciHigh;
  final int pairs;

  NetworkCost(Samples bridge, Samples host) {
    bridgeP50 = bridge.median();
    hostP50 = host.median();
    difference = bridgeP50 - hostP50;
    ratio = bridgeP50 / hostP50;
    List<Double> b = bridge.values();
    List<Double> h = host.values();
    pairs = Math.min(b.size(), h.size());
    Samples differences = new Samples();
    for (int i = 0; i < pairs; i++) {
      differences.add(b.get(i) - h.get(i));
    }
    pairedMedian = differences.median();
    Samples boot = new Samples();
    Random random = new Random(42); // the same interval for the same samples
    for (int r = 0; r < RESAMPLES && pairs > 0; r++) {
      Samples rb = new Samples();
      Samples rh = new Samples();
      for (int i = 0; i < pairs; i++) {
        int k = random.nextInt(pairs);
        rb.add(b.get(k));
        rh.add(h.get(k));
      }
      boot.add(rb.median() - rh.median());
    }
    ciLow = boot.percentile(2.5);
    ciHigh = boot.percentile(97.5);
  }

  boolean met() {
    return difference <= TARGET_MS;
  }

  /** "met", "missed", with a warning when the interval straddles the target. */
  String verdict() {
    String verdict = met() ? "met" : "missed";
    if (ciLow <= TARGET_MS && ciHigh > TARGET_MS) {
      verdict += " (the 95% interval straddles the target: more runs would tell)";
    }
    return verdict;
  }

  void print() {
    Report.table(
        "networking's cost: impulse, bridge against impulse, host (cold start, "
            + pairs
            + " rounds)",
        List.of("figure", "value"),
        List.of(
            List.of("p50 bridge / p50 host, ms", Report.ms(bridgeP50) + " / " + Report.ms(hostP50)),
            List.of("p50 bridge / p50 host", Report.ratio(ratio)),
            List.of(
                "p50 bridge - p50 host, ms (target <= " + Report.ms(TARGET_MS) + ")",
                signed(difference) + "  " + (met() ? "met" : "missed")),
            List.of("median of the per-round differences, ms", signed(pairedMedian)),
            List.of(
                "95% interval of p50 bridge - p50 host (bootstrap), ms",
                signed(ciLow) + " to " + signed(ciHigh))));
    System.out.printf(
        "NETWORKING ADDS %s ms TO THE COLD-START P50 (bridge - host; target <= %.0f ms): %s%n",
        signed(difference), TARGET_MS, verdict());
  }

  Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("bridgeP50Ms", Samples.round(bridgeP50));
    m.put("hostP50Ms", Samples.round(hostP50));
    m.put("bridgeMinusHostP50Ms", Samples.round(difference));
    m.put("targetMs", TARGET_MS);
    m.put("met", met());
    m.put("bridgeOverHostP50", Samples.round(ratio));
    m.put("pairedMedianDifferenceMs", Samples.round(pairedMedian));
    m.put("bridgeMinusHostP50Ci95Ms", new ArrayList<>(List.of(round(ciLow), round(ciHigh))));
    m.put("rounds", pairs);
    return m;
  }

  private static double round(double v) {
    return Samples.round(v);
  }

  static String signed(double ms) {
    return Double.isNaN(ms) ? "-" : String.format("%+.1f", ms);
  }
}
