package dev.impulse.chamber;

import dev.impulse.image.FunctionRef;
import dev.impulse.image.Names;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What a chamber runs, exactly as the client asked for it: {@code runtime} stays an alias when it
 * was given as one ({@code python3}), and optional fields stay absent when not given (the daemon's
 * defaults apply then). Validated here, so an invalid spec cannot exist.
 *
 * @param app the function's app name
 * @param version the function's version
 * @param runtime the runtime name or alias (checked against the catalog when a chamber is made)
 * @param env extra environment variables for the function
 * @param memoryMb memory for the function itself, in MiB
 * @param diskMb size in MiB of what the function may write: its {@code /tmp}, also its home
 * @param cpus CPU limit as a fraction of one core
 * @param pids limit of processes and threads
 * @param startupTimeoutMs time from container start to readiness
 * @param restart whether a failed chamber is started again
 * @param maxRestarts how often at most
 */
public record ChamberSpec(
    String app,
    String version,
    String runtime,
    Map<String, String> env,
    OptionalLong memoryMb,
    OptionalLong diskMb,
    OptionalDouble cpus,
    OptionalLong pids,
    OptionalLong startupTimeoutMs,
    Optional<RestartPolicy> restart,
    OptionalInt maxRestarts) {

  static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  static final int MAX_ENV = 128;
  static final int MAX_ENV_BYTES = 64 * 1024;
  static final long MIN_MEMORY_MB = 16;
  static final long MAX_MEMORY_MB = 1024 * 1024;
  static final long MIN_DISK_MB = 16;
  static final long MAX_DISK_MB = 1024 * 1024;
  static final double MIN_CPUS = 0.01;
  static final double MAX_CPUS = 1024;
  static final long MIN_PIDS = 16;
  static final long MAX_PIDS = 1 << 20;
  static final long MIN_STARTUP_MS = 100;
  static final long MAX_STARTUP_MS = 3_600_000;
  static final int MAX_RESTARTS = 1000;

  /** The fields a chamber request may have. */
  static final Set<String> FIELDS =
      Set.of(
          "app",
          "version",
          "runtime",
          "env",
          "memoryMb",
          "diskMb",
          "cpus",
          "pids",
          "startupTimeoutMs",
          "restart",
          "maxRestarts");

  /** Restarts allowed when {@code restart} is on-failure and {@code maxRestarts} is not given. */
  public static final int DEFAULT_MAX_RESTARTS = 5;

  public ChamberSpec {
    Names.require("app", app);
    Names.require("version", version);
    if (runtime == null || runtime.isBlank()) {
      throw new InvalidSpecException("field 'runtime' is required");
    }
    env = Map.copyOf(env);
    checkEnv(env);
    memoryMb.ifPresent(v -> bound("memoryMb", v, MIN_MEMORY_MB, MAX_MEMORY_MB));
    diskMb.ifPresent(v -> bound("diskMb", v, MIN_DISK_MB, MAX_DISK_MB));
    cpus.ifPresent(v -> {
      if (!(v >= MIN_CPUS && v <= MAX_CPUS)) {
        throw new InvalidSpecException(
            "field 'cpus' must be between " + MIN_CPUS + " and " + MAX_CPUS + ", not " + v);
      }
    });
    pids.ifPresent(v -> bound("pids", v, MIN_PIDS, MAX_PIDS));
    startupTimeoutMs.ifPresent(v -> bound("startupTimeoutMs", v, MIN_STARTUP_MS, MAX_STARTUP_MS));
    maxRestarts.ifPresent(v -> bound("maxRestarts", v, 0, MAX_RESTARTS));
    if (maxRestarts.isPresent()
        && restart.orElse(RestartPolicy.NEVER) != RestartPolicy.ON_FAILURE) {
      throw new InvalidSpecException("field 'maxRestarts' needs \"restart\": \"on-failure\"");
    }
  }

  /** A spec with only the required fields. */
  public static ChamberSpec of(String app, String version, String runtime) {
    return new ChamberSpec(
        app,
        version,
        runtime,
        Map.of(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        OptionalDouble.empty(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        Optional.empty(),
        OptionalInt.empty());
  }

  /**
   * The spec that {@code given} describes: the fields of a request (or of {@link #asGiven}) as
   * plain values, the way a JSON object reads (strings, numbers, booleans, lists, maps, null).
   * Throws {@link InvalidSpecException} naming what is wrong: a missing, unknown or mistyped field.
   */
  public static ChamberSpec fromGiven(Map<String, ?> given) {
    if (given == null) {
      throw new InvalidSpecException("a chamber request must be a JSON object");
    }
    for (String name : given.keySet()) {
      if (!FIELDS.contains(name)) {
        throw new InvalidSpecException(
            "unknown field '"
                + name
                + "'; allowed fields: "
                + String.join(", ", new TreeSet<>(FIELDS)));
      }
    }
    return new ChamberSpec(
        requiredString(given, "app"),
        requiredString(given, "version"),
        requiredString(given, "runtime"),
        givenEnv(given),
        optionalLong(given, "memoryMb"),
        optionalLong(given, "diskMb"),
        optionalDouble(given, "cpus"),
        optionalLong(given, "pids"),
        optionalLong(given, "startupTimeoutMs"),
        givenRestart(given),
        optionalLong(given, "maxRestarts").stream()
            .mapToInt(v -> (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v)))
            .findFirst());
  }

  private static String requiredString(Map<String, ?> given, String name) {
    Object value = given.get(name);
    if (value == null) {
      throw new InvalidSpecException("field '" + name + "' is required");
    }
    if (!(value instanceof String text)) {
      throw new InvalidSpecException("field '" + name + "' must be a string, not " + kind(value));
    }
    return text;
  }

  private static OptionalLong optionalLong(Map<String, ?> given, String name) {
    Object value = given.get(name);
    if (value == null) {
      return OptionalLong.empty();
    }
    return switch (value) {
      case Integer i -> OptionalLong.of(i);
      case Long l -> OptionalLong.of(l);
      case Short s -> OptionalLong.of(s);
      case Byte b -> OptionalLong.of(b);
      case BigInteger big when big.bitLength() < Long.SIZE -> OptionalLong.of(big.longValue());
      default ->
          throw new InvalidSpecException(
              "field '" + name + "' must be a whole number, not " + kind(value));
    };
  }

  private static OptionalDouble optionalDouble(Map<String, ?> given, String name) {
    Object value = given.get(name);
    if (value == null) {
      return OptionalDouble.empty();
    }
    if (!(value instanceof Number number)) {
      throw new InvalidSpecException("field '" + name + "' must be a number, not " + kind(value));
    }
    return OptionalDouble.of(number.doubleValue());
  }

  private static Optional<RestartPolicy> givenRestart(Map<String, ?> given) {
    Object value = given.get("restart");
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String text)) {
      throw new InvalidSpecException("field 'restart' must be a string, not " + kind(value));
    }
    return Optional.of(
        RestartPolicy.parse(text)
            .orElseThrow(() ->
                new InvalidSpecException(
                    "field 'restart' must be \"never\" or \"on-failure\", not \"" + text + "\"")));
  }

  private static Map<String, String> givenEnv(Map<String, ?> given) {
    Object value = given.get("env");
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw new InvalidSpecException(
          "field 'env' must be an object of strings, not " + kind(value));
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      if (!(entry.getValue() instanceof String text)) {
        throw new InvalidSpecException(
            "env value of '"
                + entry.getKey()
                + "' must be a string, not "
                + kind(entry.getValue()));
      }
      env.put(String.valueOf(entry.getKey()), text);
    }
    return env;
  }

  private static String kind(Object value) {
    return switch (value) {
      case Number _ -> "a number";
      case Boolean _ -> "a boolean";
      case List<?> _ -> "an array";
      case Map<?, ?> _ -> "an object";
      case String _ -> "a string";
      case null, default -> "null";
    };
  }

  private static void bound(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw new InvalidSpecException(
          "field '" + field + "' must be between " + min + " and " + max + ", not " + value);
    }
  }

  private static void checkEnv(Map<String, String> env) {
    if (env.size() > MAX_ENV) {
      throw new InvalidSpecException(
          "field 'env' has " + env.size() + " variables; at most " + MAX_ENV);
    }
    int bytes = 0;
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      if (!ENV_NAME.matcher(e.getKey()).matches()) {
        throw new InvalidSpecException(
            "env name '"
                + e.getKey()
                + "' is not valid: use letters, digits and '_', not starting with a digit");
      }
      if (e.getKey().startsWith("SKYHOOK_")) {
        throw new InvalidSpecException(
            "env name '" + e.getKey() + "' is reserved: SKYHOOK_* belongs to the wrapper");
      }
      if (e.getValue().indexOf('\0') >= 0) {
        throw new InvalidSpecException(
            "env value of '" + e.getKey() + "' contains a NUL character");
      }
      bytes += e.getKey().length() + e.getValue().length();
    }
    if (bytes > MAX_ENV_BYTES) {
      throw new InvalidSpecException(
          "field 'env' holds " + bytes + " bytes; at most " + MAX_ENV_BYTES);
    }
  }

  /** The fields that were given, in the API's order: what {@code spec} shows. */
  public Map<String, Object> asGiven() {
    Map<String, Object> given = new LinkedHashMap<>();
    given.put("app", app);
    given.put("version", version);
    given.put("runtime", runtime);
    if (!env.isEmpty()) {
      given.put("env", new TreeMap<>(env));
    }
    memoryMb.ifPresent(v -> given.put("memoryMb", v));
    diskMb.ifPresent(v -> given.put("diskMb", v));
    cpus.ifPresent(v -> given.put("cpus", v));
    pids.ifPresent(v -> given.put("pids", v));
    startupTimeoutMs.ifPresent(v -> given.put("startupTimeoutMs", v));
    restart.ifPresent(v -> given.put("restart", v.text()));
    maxRestarts.ifPresent(v -> given.put("maxRestarts", v));
    return given;
  }

  /** The function this chamber runs. */
  public FunctionRef function() {
    return new FunctionRef(app, version);
  }

  /** The restart policy in force (never, unless given). */
  public RestartPolicy restartPolicy() {
    return restart.orElse(RestartPolicy.NEVER);
  }

  /** How often a failed chamber may be started again under its policy. */
  public int restartLimit() {
    return restartPolicy() == RestartPolicy.ON_FAILURE
        ? maxRestarts.orElse(DEFAULT_MAX_RESTARTS)
        : 0;
  }
}
