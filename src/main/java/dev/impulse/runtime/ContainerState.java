package dev.impulse.runtime;

import java.util.Map;

/**
 * A container as {@code runc state} reports it.
 *
 * @param id the container id
 * @param pid the first process's pid on the host, 0 once stopped
 * @param status {@code created}, {@code running}, {@code paused} or {@code stopped}
 * @param bundle the bundle directory
 * @param annotations the labels from config.json
 */
public record ContainerState(
    String id, int pid, String status, String bundle, Map<String, String> annotations) {
  public ContainerState {
    annotations = Map.copyOf(annotations);
  }

  /** True for {@code created}, {@code running} and {@code paused}. */
  public boolean isAlive() {
    return !"stopped".equals(status);
  }
}
