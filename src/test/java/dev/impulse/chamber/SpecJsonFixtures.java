package dev.impulse.chamber;

import java.util.LinkedHashMap;
import java.util.Map;

/** Chamber specs for unit tests, made the way the API makes them: from the fields a client sent. */
final class SpecJsonFixtures {
  private SpecJsonFixtures() {}

  /** A spec with {@code restart: on-failure} and {@code maxRestarts}. */
  static ChamberSpec onFailure(String app, String version, int maxRestarts) {
    Map<String, Object> given = base(app, version);
    given.put("restart", "on-failure");
    given.put("maxRestarts", maxRestarts);
    return ChamberSpec.fromGiven(given);
  }

  private static Map<String, Object> base(String app, String version) {
    Map<String, Object> given = new LinkedHashMap<>();
    given.put("app", app);
    given.put("version", version);
    given.put("runtime", "python3");
    return given;
  }
}
