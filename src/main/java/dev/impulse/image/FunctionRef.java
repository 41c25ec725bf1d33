package dev.impulse.image;

/**
 * Names one uploaded function version. Both parts are valid {@link Names}, so a reference can be
 * used as path components as it is.
 */
public record FunctionRef(String app, String version) {
  public FunctionRef {
    Names.require("app", app);
    Names.require("version", version);
  }

  @Override
  public String toString() {
    return app + " " + version;
  }
}
