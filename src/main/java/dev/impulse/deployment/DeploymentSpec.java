package dev.impulse.deployment;

import dev.impulse.chamber.ChamberSpec;
import dev.impulse.image.Names;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a deployment runs and how it scales, validated: its chambers' spec (every chamber field but
 * the restart policy: a deployment replaces failed chambers itself) and its {@link Scaling}.
 *
 * @param app the app, the deployment's name
 * @param chamber the spec each of its chambers gets
 * @param scaling how many chambers, and how busy each may be
 */
public record DeploymentSpec(String app, ChamberSpec chamber, Scaling scaling) {
  static final Set<String> SCALING_FIELDS =
      Set.of("concurrency", "minChambers", "maxChambers", "idleTimeoutMs");
  static final Set<String> CHAMBER_FIELDS =
      Set.of("version", "runtime", "env", "memoryMb", "diskMb", "cpus", "pids", "startupTimeoutMs");
  private static final Set<String> REFUSED = Set.of("app", "restart", "maxRestarts");

  public DeploymentSpec {
    Names.require("app", app);
    if (!chamber.app().equals(app)) {
      throw new IllegalArgumentException("chamber spec of " + chamber.app() + " for " + app);
    }
  }

  /**
   * The spec that {@code given} (a request body, or what {@link #asGiven} wrote) describes for
   * {@code app}. Throws {@link InvalidDeploymentException} or the chamber spec's own exception,
   * naming the field at fault.
   */
  public static DeploymentSpec fromGiven(String app, Map<String, ?> given) {
    Names.require("app", app);
    if (given == null) {
      throw new InvalidDeploymentException("a deployment must be a JSON object");
    }
    Map<String, Object> chamber = new LinkedHashMap<>();
    chamber.put("app", app);
    for (Map.Entry<String, ?> field : given.entrySet()) {
      String name = field.getKey();
      if (REFUSED.contains(name)) {
        throw new InvalidDeploymentException(
            "field '"
                + name
                + "' cannot be set on a deployment: "
                + (name.equals("app")
                    ? "the app is named by the path, /deployments/" + app
                    : "a deployment replaces failed chambers itself"));
      }
      if (CHAMBER_FIELDS.contains(name)) {
        chamber.put(name, field.getValue());
      } else if (!SCALING_FIELDS.contains(name)) {
        TreeSet<String> allowed = new TreeSet<>(CHAMBER_FIELDS);
        allowed.addAll(SCALING_FIELDS);
        throw new InvalidDeploymentException(
            "unknown field '" + name + "'; allowed fields: " + String.join(", ", allowed));
      }
    }
    Scaling d = Scaling.DEFAULT;
    Scaling scaling =
        new Scaling(
            wholeInt(given, "concurrency", d.concurrency()),
            wholeInt(given, "minChambers", d.minChambers()),
            wholeInt(given, "maxChambers", d.maxChambers()),
            whole(given, "idleTimeoutMs", d.idleTimeoutMs()));
    return new DeploymentSpec(app, ChamberSpec.fromGiven(chamber), scaling);
  }

  private static int wholeInt(Map<String, ?> given, String name, int otherwise) {
    long value = whole(given, name, otherwise);
    if (value != (int) value) {
      throw new InvalidDeploymentException("field '" + name + "' is out of range: " + value);
    }
    return (int) value;
  }

  private static long whole(Map<String, ?> given, String name, long otherwise) {
    Object value = given.get(name);
    return switch (value) {
      case null -> otherwise;
      case Integer i -> i;
      case Long l -> l;
      case BigInteger big when big.bitLength() < 32 -> big.longValue();
      default ->
          throw new InvalidDeploymentException(
              "field '" + name + "' must be a whole number, not " + value);
    };
  }

  /** The fields as the API shows them and the store keeps them. */
  public Map<String, Object> asGiven() {
    Map<String, Object> given = new LinkedHashMap<>(chamber.asGiven());
    given.remove("app");
    given.putAll(scaling.asGiven());
    return given;
  }

  /** Whether chambers of {@code other} would differ from this one's: a roll-over. */
  boolean rollsOver(DeploymentSpec other) {
    return !chamber.equals(other.chamber);
  }
}
