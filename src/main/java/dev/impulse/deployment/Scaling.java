package dev.impulse.deployment;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a deployment scales.
 *
 * @param concurrency requests one chamber serves at once
 * @param minChambers chambers kept even when idle (0: scale to zero)
 * @param maxChambers chambers at most
 * @param idleTimeoutMs how long a chamber may serve nothing before it is destroyed (down to {@code
 *     minChambers})
 */
public record Scaling(int concurrency, int minChambers, int maxChambers, long idleTimeoutMs) {
  static final int MAX_CONCURRENCY = 1000;
  static final int MAX_CHAMBERS = 1000;
  static final long MIN_IDLE_MS = 1000;
  static final long MAX_IDLE_MS = 7L * 24 * 3600 * 1000;

  /** The defaults of the issue: one request per chamber, 0 to 10 chambers, a minute of idling. */
  public static final Scaling DEFAULT = new Scaling(1, 0, 10, 60_000);

  public Scaling {
    bound("concurrency", concurrency, 1, MAX_CONCURRENCY);
    bound("minChambers", minChambers, 0, MAX_CHAMBERS);
    bound("maxChambers", maxChambers, 1, MAX_CHAMBERS);
    bound("idleTimeoutMs", idleTimeoutMs, MIN_IDLE_MS, MAX_IDLE_MS);
    if (minChambers > maxChambers) {
      throw new InvalidDeploymentException(
          "field 'minChambers' ("
              + minChambers
              + ") must not exceed 'maxChambers' ("
              + maxChambers
              + ")");
    }
  }

  private static void bound(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw new InvalidDeploymentException(
          "field '" + field + "' must be between " + min + " and " + max + ", not " + value);
    }
  }

  /** The scaling fields, as the API shows them. */
  Map<String, Object> asGiven() {
    Map<String, Object> given = new LinkedHashMap<>();
    given.put("concurrency", concurrency);
    given.put("minChambers", minChambers);
    given.put("maxChambers", maxChambers);
    given.put("idleTimeoutMs", idleTimeoutMs);
    return given;
  }
}
