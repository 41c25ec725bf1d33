package dev.impulse.chamber;

/** No chamber has this id. */
public final class ChamberNotFoundException extends RuntimeException {
  ChamberNotFoundException(String id) {
    super("no chamber has id '" + (id.length() > 140 ? id.substring(0, 140) + "..." : id) + "'");
  }
}
