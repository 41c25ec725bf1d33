package dev.impulse.client;

/**
 * A call the client could not make or complete: the daemon unreachable, a directory that cannot be
 * packed, an answer that is not what the API promises. The message says what failed and what to do;
 * the CLI prints it as it is.
 */
public class ClientException extends RuntimeException {
  public ClientException(String message) {
    super(message);
  }

  public ClientException(String message, Throwable cause) {
    super(message, cause);
  }
}
