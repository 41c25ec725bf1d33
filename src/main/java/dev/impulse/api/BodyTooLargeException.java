package dev.impulse.api;

/** A request body over the API's limit. */
final class BodyTooLargeException extends RuntimeException {
  BodyTooLargeException(long limit) {
    super("the request body is over the limit of " + limit + " bytes");
  }
}
