package dev.impulse.chamber;

import java.util.Map;
import java.util.Optional;

/**
 * Reads back the labels every container carries ({@link ContainerConfigs#LABEL_PREFIX}): whose it
 * is, and the chamber it was made for, so a container the store lost can be adopted.
 */
final class ChamberLabels {
  private static final String PREFIX = ContainerConfigs.LABEL_PREFIX;

  private final String daemonIdentity;
  private final SpecJson specs;

  ChamberLabels(String daemonIdentity, SpecJson specs) {
    this.daemonIdentity = daemonIdentity;
    this.specs = specs;
  }

  /** Whether this daemon made the container. */
  boolean isOurs(Map<String, String> labels) {
    return daemonIdentity.equals(labels.get(PREFIX + "daemon"));
  }

  /** Whether the container is a stem cell's (never adopted: a daemon starts its own). */
  boolean isCell(Map<String, String> labels) {
    return labels.containsKey(PREFIX + "cell");
  }

  /** Who made it, for a log line. */
  String owner(Map<String, String> labels) {
    return labels.getOrDefault(PREFIX + "daemon", "no impulse labels");
  }

  /**
   * The RUNNING chamber the labels of container {@code container} describe, when they are complete
   * and valid. A stem cell's labels name no chamber: what it became is known from the store only.
   */
  Optional<Chamber> chamber(String container, Map<String, String> labels) {
    try {
      String id = labels.get(PREFIX + "chamber");
      if (id == null) {
        return Optional.empty();
      }
      ChamberSpec spec = specs.read(labels.get(PREFIX + "spec"));
      int port = Integer.parseInt(labels.get(PREFIX + "port"));
      long created = Long.parseLong(labels.get(PREFIX + "created"));
      return Optional.of(
          Chamber.starting(
                  id,
                  spec,
                  port,
                  created,
                  container,
                  Optional.ofNullable(labels.get(PREFIX + "deployment")))
              .moveTo(
                  ChamberStatus.RUNNING,
                  Optional.empty(),
                  Optional.of(
                      "adopted at start-up: running with this daemon's labels but missing from"
                          + " the store")));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
