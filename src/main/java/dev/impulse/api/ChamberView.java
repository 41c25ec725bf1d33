package dev.impulse.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.impulse.chamber.Chamber;
import dev.impulse.chamber.ChamberStatus;
import java.util.Map;

/**
 * A chamber as the API shows it: the proof of concept's {@code id, status, createdTimeMillis, port,
 * spec{app,version,runtime}}, plus {@code exitCode} and {@code reason} where known, {@code
 * restarts}, {@code health} with {@code lastHealthyTimeMillis} while it runs, and {@code address},
 * the chamber's own address on the daemon's bridge (absent with host networking), and {@code
 * deployment} when a deployment made it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ChamberView(
    String id,
    String status,
    long createdTimeMillis,
    int port,
    Map<String, Object> spec,
    Integer exitCode,
    String reason,
    int restarts,
    String health,
    Long lastHealthyTimeMillis,
    String address,
    String deployment) {

  static ChamberView of(Chamber chamber, java.util.Optional<java.net.InetAddress> address) {
    boolean running = chamber.status() == ChamberStatus.RUNNING;
    return new ChamberView(
        chamber.id(),
        chamber.status().name(),
        chamber.createdTimeMillis(),
        chamber.port(),
        chamber.spec().asGiven(),
        chamber.exitCode().orElse(null),
        chamber.reason().orElse(null),
        chamber.restarts(),
        running ? chamber.health().name().toLowerCase(java.util.Locale.ROOT) : null,
        running && chamber.lastHealthyMillis() > 0 ? chamber.lastHealthyMillis() : null,
        address.map(java.net.InetAddress::getHostAddress).orElse(null),
        chamber.deployment().orElse(null));
  }
}
