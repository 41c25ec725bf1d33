package dev.impulse.deployment;

/** A function version cannot go while a deployment runs it. */
public final class FunctionDeployedException extends RuntimeException {
  FunctionDeployedException(String app, String version) {
    super(
        "deployment '"
            + app
            + "' runs version "
            + version
            + "; deploy another version or DELETE /deployments/"
            + app
            + " first");
  }
}
