package dev.impulse.image;

/** No function version with this app and version has been uploaded. */
public final class UnknownFunctionException extends RuntimeException {
  public UnknownFunctionException(FunctionRef ref) {
    super(
        "function "
            + ref
            + " has not been uploaded; upload it with PUT /functions/"
            + ref.app()
            + "/"
            + ref.version()
            + " (a tar or tar.gz of its directory)");
  }
}
