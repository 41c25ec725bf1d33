package dev.impulse.chamber;

/** What the periodic probes of a running chamber's {@code /healthz} found. */
public enum Health {
  /** Not probed (not running). */
  UNKNOWN,
  /** Its last probe answered 200. */
  HEALTHY,
  /** Several probes in a row got no 200; it may be hung or overloaded. */
  UNHEALTHY
}
