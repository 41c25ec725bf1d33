package dev.impulse.image;

import java.nio.file.Path;

/**
 * An uploaded function version as stored.
 *
 * @param ref its app and version
 * @param digest the SHA-256 of the archive it was uploaded as
 * @param archiveBytes the archive's size
 * @param createdTimeMillis when it was stored
 * @param layer the overlay layer holding the guest at {@link FunctionStore#GUEST_DIR}
 */
public record StoredFunction(
    FunctionRef ref, String digest, long archiveBytes, long createdTimeMillis, Path layer) {}
