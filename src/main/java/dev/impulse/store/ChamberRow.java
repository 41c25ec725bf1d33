package dev.impulse.store;

/**
 * A chamber as stored.
 *
 * @param id the chamber id
 * @param spec the spec as the client gave it, as JSON
 * @param port its port
 * @param createdTimeMillis when it was created
 * @param status its status name
 * @param exitCode its exit code, or null
 * @param reason why it is in its status, or null
 * @param restarts how often it was restarted
 * @param health its health name
 * @param lastHealthyMillis when a probe last succeeded, or 0
 * @param container the name of its container (cgroup, directories), or null when it is its id
 * @param deployment the deployment it serves, or null
 */
public record ChamberRow(
    String id,
    String spec,
    int port,
    long createdTimeMillis,
    String status,
    Integer exitCode,
    String reason,
    int restarts,
    String health,
    long lastHealthyMillis,
    String container,
    String deployment) {}
