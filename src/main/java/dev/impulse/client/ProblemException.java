package dev.impulse.client;

/**
 * The API or the proxy refused a request: its HTTP status and, from its RFC 9457 problem, the
 * {@code title} and the {@code detail}, which is the message.
 */
public final class ProblemException extends ClientException {
  private final int status;
  private final String title;

  ProblemException(int status, String title, String detail) {
    super(detail);
    this.status = status;
    this.title = title;
  }

  /** The HTTP status of the answer. */
  public int status() {
    return status;
  }

  /** The problem's title (the kind of problem), or the HTTP status when it had none. */
  public String title() {
    return title;
  }
}
