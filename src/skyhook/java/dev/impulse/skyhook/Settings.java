package dev.impulse.skyhook;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The wrapper's settings, read once from its environment (a name that is required but missing, or
 * not a number, is a usage error: status 2).
 *
 * @param port SKYHOOK_PORT, required
 * @param host SKYHOOK_HOST, default 127.0.0.1
 * @param guestDir SKYHOOK_GUEST_DIR, default /opt/guest
 * @param terminationLog SKYHOOK_TERMINATION_LOG, default /dev/termination-log
 * @param maxBody SKYHOOK_MAX_BODY_BYTES, default 16 MiB
 * @param control SKYHOOK_CONTROL, the stem cell's control socket; empty for a chamber's wrapper
 * @param identity SKYHOOK_CHAMBER_ID, SKYHOOK_APP and SKYHOOK_VERSION as meta's chamber_id, app and
 *     version (empty when unset)
 */
record Settings(
    int port,
    String host,
    String guestDir,
    String terminationLog,
    long maxBody,
    Optional<String> control,
    Map<String, String> identity) {

  static final long DEFAULT_MAX_BODY = 16 * 1024 * 1024;

  /** A setting that cannot be used. */
  static final class UsageError extends Exception {
    private static final long serialVersionUID = 1L;

    UsageError(String message) {
      super(message);
    }
  }

  static Settings from(Map<String, String> env) throws UsageError {
    String port = env.get("SKYHOOK_PORT");
    if (port == null) {
      throw new UsageError("SKYHOOK_PORT is not set");
    }
    long portNumber = number("SKYHOOK_PORT", port, 0, 65535);
    long maxBody =
        number(
            "SKYHOOK_MAX_BODY_BYTES",
            env.getOrDefault("SKYHOOK_MAX_BODY_BYTES", Long.toString(DEFAULT_MAX_BODY)),
            0,
            Integer.MAX_VALUE - 9);
    Map<String, String> identity = new LinkedHashMap<>();
    identity.put("chamber_id", env.getOrDefault("SKYHOOK_CHAMBER_ID", ""));
    identity.put("app", env.getOrDefault("SKYHOOK_APP", ""));
    identity.put("version", env.getOrDefault("SKYHOOK_VERSION", ""));
    String control = env.get("SKYHOOK_CONTROL");
    return new Settings(
        (int) portNumber,
        env.getOrDefault("SKYHOOK_HOST", "127.0.0.1"),
        env.getOrDefault("SKYHOOK_GUEST_DIR", "/opt/guest"),
        env.getOrDefault("SKYHOOK_TERMINATION_LOG", "/dev/termination-log"),
        maxBody,
        control == null || control.isEmpty() ? Optional.<String>empty() : Optional.of(control),
        identity);
  }

  private static long number(String name, String text, long min, long max) throws UsageError {
    try {
      long value = Long.parseLong(text.trim());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new UsageError(name + " is " + text + ", not a number from " + min + " to " + max);
  }

  /** This settings with the identity a stem cell was given. */
  Settings specialisedAs(Map<String, String> meta) {
    Map<String, String> merged = new LinkedHashMap<>(identity);
    for (Map.Entry<String, String> entry : meta.entrySet()) {
      merged.put(entry.getKey(), entry.getValue());
    }
    return new Settings(
        port, host, guestDir, terminationLog, maxBody, Optional.<String>empty(), merged);
  }
}
