package dev.impulse.chamber;

import java.util.Optional;

/**
 * A lifecycle transition of a chamber, as {@code GET /events} streams it.
 *
 * @param seq its position in the event log; increases by one per event
 * @param chamber the chamber's id
 * @param kind {@code status} (a status change; {@code from} is empty for a new chamber and {@code
 *     to} is {@code DELETED} when it is forgotten) or {@code health}
 * @param from the status or health before
 * @param to the status or health after
 * @param timeMillis when it happened
 * @param reason why, when known
 */
public record ChamberEvent(
    long seq,
    String chamber,
    String kind,
    Optional<String> from,
    String to,
    long timeMillis,
    Optional<String> reason) {
  /** The {@code to} of the event that forgets a chamber. */
  public static final String DELETED = "DELETED";
}
