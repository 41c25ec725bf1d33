package dev.impulse.client;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The body of {@code PUT /deployments/{app}}: the function version and runtime its chambers run,
 * their environment, and the optional chamber and scaling settings that were given; settings left
 * out are the daemon's to choose. Immutable; the daemon checks the values' bounds.
 *
 * @param env the chambers' environment, sorted by name
 * @param settings numeric settings by their JSON name, each one of {@link #SETTINGS}
 */
public record DeploymentRequest(
    String version, String runtime, Map<String, String> env, Map<String, Number> settings) {
  /** The numeric settings, chamber settings first, in the order the body lists them. */
  public static final List<String> SETTINGS =
      List.of(
          "memoryMb",
          "cpus",
          "pids",
          "diskMb",
          "startupTimeoutMs",
          "concurrency",
          "minChambers",
          "maxChambers",
          "idleTimeoutMs");

  public DeploymentRequest {
    if (version == null || version.isBlank() || runtime == null || runtime.isBlank()) {
      throw new IllegalArgumentException("a deployment needs a version and a runtime");
    }
    env = Collections.unmodifiableMap(new TreeMap<>(env));
    for (Map.Entry<String, Number> setting : settings.entrySet()) {
      if (!SETTINGS.contains(setting.getKey())) {
        throw new IllegalArgumentException(
            "'" + setting.getKey() + "' is not a deployment setting; settings are " + SETTINGS);
      }
      if (setting.getValue() == null) {
        throw new IllegalArgumentException(setting.getKey() + " has no value");
      }
    }
    Map<String, Number> ordered = new LinkedHashMap<>();
    for (String name : SETTINGS) {
      if (settings.containsKey(name)) {
        ordered.put(name, settings.get(name));
      }
    }
    settings = Collections.unmodifiableMap(ordered);
  }

  /** The JSON body, as a map: version, runtime, env when there is any, then the settings. */
  public Map<String, Object> body() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("version", version);
    body.put("runtime", runtime);
    if (!env.isEmpty()) {
      body.put("env", env);
    }
    body.putAll(settings);
    return body;
  }
}
