package dev.impulse.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * A chamber as {@code GET /chambers} shows it, reduced to what {@code impulse ps} prints.
 *
 * @param deployment the app whose deployment made it, if one did
 */
public record ChamberSummary(
    String id, String status, int port, String app, String version, Optional<String> deployment) {
  /** Read leniently: a field the daemon leaves out is empty or zero, not an error. */
  static ChamberSummary of(JsonNode chamber) {
    JsonNode spec = chamber.path("spec");
    JsonNode deployment = chamber.path("deployment");
    Optional<String> owner =
        deployment.isTextual()
            ? Optional.of(deployment.asText())
            : deployment.isObject()
                ? Optional.of(deployment.path("app").asText(deployment.toString()))
                : Optional.empty();
    return new ChamberSummary(
        chamber.path("id").asText(""),
        chamber.path("status").asText(""),
        chamber.path("port").asInt(0),
        spec.path("app").asText(""),
        spec.path("version").asText(""),
        owner);
  }
}
