package dev.impulse.chamber;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Chamber specs for unit tests, made the way the API makes them: from JSON. */
final class SpecJsonFixtures {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SpecJsonFixtures() {}

  /** A spec with {@code restart: on-failure} and {@code maxRestarts}. */
  static ChamberSpec onFailure(String app, String version, int maxRestarts) {
    ObjectNode node = base(app, version);
    node.put("restart", "on-failure");
    node.put("maxRestarts", maxRestarts);
    return SpecJson.parse(node);
  }

  /** A spec with a startup timeout. */
  static ChamberSpec withStartupTimeout(String app, String version, long millis) {
    ObjectNode node = base(app, version);
    node.put("startupTimeoutMs", millis);
    return SpecJson.parse(node);
  }

  private static ObjectNode base(String app, String version) {
    ObjectNode node = JSON.createObjectNode();
    node.put("app", app);
    node.put("version", version);
    node.put("runtime", "python3");
    return node;
  }
}
