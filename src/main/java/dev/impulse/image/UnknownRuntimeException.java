package dev.impulse.image;

import java.util.List;

/** A chamber asked for a runtime impulse does not have; the message lists the available ones. */
public final class UnknownRuntimeException extends RuntimeException {
  private final List<String> available;

  UnknownRuntimeException(String requested, List<String> available) {
    super(
        "runtime '" + requested + "' is not available; available: " + String.join(", ", available));
    this.available = List.copyOf(available);
  }

  /** The names (and aliases) that would have been accepted. */
  public List<String> available() {
    return available;
  }
}
