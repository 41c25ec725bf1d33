package dev.impulse.api;

/** A request the API refuses to serve: no or a wrong token (401), or a foreign Host or Origin. */
final class AccessDeniedException extends RuntimeException {
  private final int status;
  private final String type;

  private AccessDeniedException(int status, String type, String message) {
    super(message);
    this.status = status;
    this.type = type;
  }

  static AccessDeniedException unauthorized(String message) {
    return new AccessDeniedException(401, "unauthorized", message);
  }

  static AccessDeniedException forbidden(String type, String message) {
    return new AccessDeniedException(403, type, message);
  }

  int status() {
    return status;
  }

  String type() {
    return type;
  }
}
