package dev.impulse.store;

/**
 * A deployment as stored.
 *
 * @param app the app it serves (its name)
 * @param spec its spec as the client gave it, as JSON
 * @param createdTimeMillis when it was first deployed
 * @param updatedTimeMillis when its spec last changed
 */
public record DeploymentRow(
    String app, String spec, long createdTimeMillis, long updatedTimeMillis) {}
