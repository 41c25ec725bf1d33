package dev.impulse.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.impulse.chamber.Chamber;

/**
 * A chamber as the API shows it: the proof of concept's {@code id, status, createdTimeMillis, port,
 * spec{app,version,runtime}}, plus {@code exitCode} and {@code reason} where known.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ChamberView(
    String id,
    String status,
    long createdTimeMillis,
    int port,
    SpecView spec,
    Integer exitCode,
    String reason) {

  /** The spec exactly as it was given. */
  record SpecView(String app, String version, String runtime) {}

  static ChamberView of(Chamber chamber) {
    return new ChamberView(
        chamber.id(),
        chamber.status().name(),
        chamber.createdTimeMillis(),
        chamber.port(),
        new SpecView(chamber.spec().app(), chamber.spec().version(), chamber.spec().runtime()),
        chamber.exitCode().orElse(null),
        chamber.reason().orElse(null));
  }
}
