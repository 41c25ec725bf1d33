package dev.impulse.client;

/**
 * A function's directory that cannot become an archive the daemon accepts; the message says why.
 */
public final class FunctionDirException extends ClientException {
  FunctionDirException(String message) {
    super(message);
  }

  FunctionDirException(String message, Throwable cause) {
    super(message, cause);
  }
}
