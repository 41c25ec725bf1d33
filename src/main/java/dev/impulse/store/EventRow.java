package dev.impulse.store;

/**
 * A lifecycle event as stored.
 *
 * @param seq its position in the log (assigned by the store; 0 before it is written)
 * @param chamber the chamber's id
 * @param kind {@code status} or {@code health}
 * @param from the state before, or null for a new chamber
 * @param to the state after
 * @param timeMillis when it happened
 * @param reason why, or null
 */
public record EventRow(
    long seq, String chamber, String kind, String from, String to, long timeMillis, String reason) {
  /** The same event at position {@code seq}. */
  public EventRow at(long seq) {
    return new EventRow(seq, chamber, kind, from, to, timeMillis, reason);
  }
}
