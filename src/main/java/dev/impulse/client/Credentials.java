package dev.impulse.client;

import java.util.Optional;

/**
 * The API token a client sends, or none, with where it came from: a request the daemon refuses with
 * {@code 401} says so, which tells a wrong token from a missing one. Immutable.
 */
public final class Credentials {
  private final Optional<String> token;
  private final String source;

  private Credentials(Optional<String> token, String source) {
    this.token = token;
    this.source = source;
  }

  /**
   * A token and where it was read ("IMPULSE_TOKEN", a file's path). Refuses one that could not be
   * sent in a header.
   */
  public static Credentials token(String token, String source) {
    String value = token.strip();
    if (value.isEmpty() || !value.matches("[\\x21-\\x7e]+")) {
      throw new ClientException(
          "the API token from " + source + " must be printable characters without spaces");
    }
    return new Credentials(Optional.of(value), source);
  }

  /** No token, and why: what a client without one should do ("… is not readable: …"). */
  public static Credentials none(String why) {
    return new Credentials(Optional.empty(), why);
  }

  /** The token to send as {@code Authorization: Bearer}. */
  public Optional<String> bearer() {
    return token;
  }

  /** What to add to a {@code 401}: where the token came from, or why none was sent. */
  String explainRefusal() {
    return token.isPresent()
        ? "(the token sent was read from " + source + ")"
        : "(no token was sent: " + source + ")";
  }
}
