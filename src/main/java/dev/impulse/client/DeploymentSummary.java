package dev.impulse.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A deployment as {@code GET /deployments} shows it, reduced to what {@code impulse ls} prints.
 *
 * @param chambers the ids of its chambers
 * @param inFlight requests its chambers are serving
 * @param queued requests waiting for a chamber
 */
public record DeploymentSummary(
    String app, String version, String runtime, List<String> chambers, int inFlight, int queued) {
  public DeploymentSummary {
    chambers = List.copyOf(chambers);
  }

  /** Read leniently: a field the daemon leaves out is empty or zero, not an error. */
  static DeploymentSummary of(JsonNode deployment) {
    JsonNode spec = deployment.path("spec");
    List<String> chambers = new ArrayList<>();
    deployment.path("chambers").forEach(id -> chambers.add(id.asText()));
    return new DeploymentSummary(
        deployment.path("app").asText(""),
        spec.path("version").asText(""),
        spec.path("runtime").asText(""),
        chambers,
        deployment.path("inFlight").asInt(0),
        deployment.path("queued").asInt(0));
  }
}
