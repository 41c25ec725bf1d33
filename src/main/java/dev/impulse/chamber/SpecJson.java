package dev.impulse.chamber;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Chamber specs as JSON: parsed from a request (every mistake named: missing, unknown or mistyped
 * fields) and written to the store and to the container's labels exactly as given.
 */
public final class SpecJson {
  /** The fields a chamber request may have. */
  public static final Set<String> FIELDS =
      Set.of(
          "app",
          "version",
          "runtime",
          "env",
          "memoryMb",
          "cpus",
          "pids",
          "startupTimeoutMs",
          "restart",
          "maxRestarts");

  private final ObjectMapper json;

  public SpecJson(ObjectMapper json) {
    this.json = json;
  }

  /**
   * The spec {@code object} describes; throws {@link InvalidSpecException} naming what is wrong.
   */
  public static ChamberSpec parse(JsonNode object) {
    if (object == null || !object.isObject()) {
      throw new InvalidSpecException("a chamber request must be a JSON object");
    }
    for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw new InvalidSpecException(
            "unknown field '"
                + name
                + "'; allowed fields: "
                + String.join(", ", new TreeSet<>(FIELDS)));
      }
    }
    return new ChamberSpec(
        requiredString(object, "app"),
        requiredString(object, "version"),
        requiredString(object, "runtime"),
        env(object),
        optionalLong(object, "memoryMb"),
        optionalDouble(object, "cpus"),
        optionalLong(object, "pids"),
        optionalLong(object, "startupTimeoutMs"),
        restart(object),
        optionalLong(object, "maxRestarts").stream()
            .mapToInt(v -> (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v)))
            .findFirst());
  }

  /** The spec as stored: the fields as given. */
  public String write(ChamberSpec spec) {
    try {
      return json.writeValueAsString(spec.asGiven());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a spec could not be written as JSON", e);
    }
  }

  /** Reads a spec written by {@link #write}. */
  public ChamberSpec read(String text) {
    try {
      return parse(json.readTree(text));
    } catch (JsonProcessingException e) {
      throw new InvalidSpecException("a stored spec is not JSON: " + e.getOriginalMessage());
    }
  }

  private static JsonNode present(JsonNode object, String name) {
    JsonNode value = object.get(name);
    return value == null || value.isNull() ? null : value;
  }

  private static String requiredString(JsonNode object, String name) {
    JsonNode value = present(object, name);
    if (value == null) {
      throw new InvalidSpecException("field '" + name + "' is required");
    }
    if (!value.isTextual()) {
      throw new InvalidSpecException("field '" + name + "' must be a string, not " + kind(value));
    }
    return value.textValue();
  }

  private static OptionalLong optionalLong(JsonNode object, String name) {
    JsonNode value = present(object, name);
    if (value == null) {
      return OptionalLong.empty();
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw new InvalidSpecException(
          "field '" + name + "' must be a whole number, not " + kind(value));
    }
    return OptionalLong.of(value.longValue());
  }

  private static OptionalDouble optionalDouble(JsonNode object, String name) {
    JsonNode value = present(object, name);
    if (value == null) {
      return OptionalDouble.empty();
    }
    if (!value.isNumber()) {
      throw new InvalidSpecException("field '" + name + "' must be a number, not " + kind(value));
    }
    return OptionalDouble.of(value.doubleValue());
  }

  private static Optional<RestartPolicy> restart(JsonNode object) {
    JsonNode value = present(object, "restart");
    if (value == null) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw new InvalidSpecException("field 'restart' must be a string, not " + kind(value));
    }
    return Optional.of(
        RestartPolicy.parse(value.textValue())
            .orElseThrow(() ->
                new InvalidSpecException(
                    "field 'restart' must be \"never\" or \"on-failure\", not \""
                        + value.textValue()
                        + "\"")));
  }

  private static Map<String, String> env(JsonNode object) {
    JsonNode value = present(object, "env");
    if (value == null) {
      return Map.of();
    }
    if (!value.isObject()) {
      throw new InvalidSpecException(
          "field 'env' must be an object of strings, not " + kind(value));
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry :
        (Iterable<Map.Entry<String, JsonNode>>) value::fields) {
      if (!entry.getValue().isTextual()) {
        throw new InvalidSpecException(
            "env value of '"
                + entry.getKey()
                + "' must be a string, not "
                + kind(entry.getValue()));
      }
      env.put(entry.getKey(), entry.getValue().textValue());
    }
    return env;
  }

  private static String kind(JsonNode value) {
    return switch (value.getNodeType()) {
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "a string";
      default -> "null";
    };
  }
}
