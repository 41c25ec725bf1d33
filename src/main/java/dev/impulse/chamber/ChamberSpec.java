package dev.impulse.chamber;

import dev.impulse.image.FunctionRef;
import dev.impulse.image.Names;

/**
 * What a chamber runs, exactly as the client asked for it: {@code runtime} stays an alias when it
 * was given as one ({@code python3}).
 *
 * @param app the function's app name
 * @param version the function's version
 * @param runtime the runtime name or alias (checked against the catalog when a chamber is made)
 */
public record ChamberSpec(String app, String version, String runtime) {
  public ChamberSpec {
    Names.require("app", app);
    Names.require("version", version);
    if (runtime == null || runtime.isBlank()) {
      throw new IllegalArgumentException("runtime is missing");
    }
  }

  /** The function this chamber runs. */
  public FunctionRef function() {
    return new FunctionRef(app, version);
  }
}
