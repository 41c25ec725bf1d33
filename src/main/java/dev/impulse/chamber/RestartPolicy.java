package dev.impulse.chamber;

import java.util.Arrays;
import java.util.Optional;

/** Whether a chamber that failed is started again (same id and port). */
public enum RestartPolicy {
  /** A failed chamber stays FAILED. */
  NEVER("never"),
  /** A failed chamber is started again, with exponential back-off, up to its retry limit. */
  ON_FAILURE("on-failure");

  private final String text;

  RestartPolicy(String text) {
    this.text = text;
  }

  /** The name used in JSON. */
  public String text() {
    return text;
  }

  /** The policy called {@code text}; empty when there is none. */
  public static Optional<RestartPolicy> parse(String text) {
    return Arrays.stream(values()).filter(p -> p.text.equals(text)).findFirst();
  }
}
