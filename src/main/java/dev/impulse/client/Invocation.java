package dev.impulse.client;

/** A function's answer through the edge proxy: its HTTP status and body, as text. */
public record Invocation(int status, String body) {
  /** True for a 2xx. */
  public boolean succeeded() {
    return status / 100 == 2;
  }
}
