package dev.impulse.store;

/** A stored function version's metadata. */
public record FunctionRow(
    String app, String version, String digest, long archiveBytes, long createdTimeMillis) {}
