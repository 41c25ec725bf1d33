package dev.impulse.chamber;

import dev.impulse.image.FunctionRef;
import dev.impulse.image.Names;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
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
 * @param memoryMb memory limit in MiB
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
  static final double MIN_CPUS = 0.01;
  static final double MAX_CPUS = 1024;
  static final long MIN_PIDS = 16;
  static final long MAX_PIDS = 1 << 20;
  static final long MIN_STARTUP_MS = 100;
  static final long MAX_STARTUP_MS = 3_600_000;
  static final int MAX_RESTARTS = 1000;

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
        OptionalDouble.empty(),
        OptionalLong.empty(),
        OptionalLong.empty(),
        Optional.empty(),
        OptionalInt.empty());
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
