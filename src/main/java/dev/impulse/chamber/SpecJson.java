package dev.impulse.chamber;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/**
 * Chamber specs as stored: written to the store and to the container's labels exactly as given, and
 * read back through {@link ChamberSpec#fromGiven}, which checks them as it checks a request.
 * Jackson stays inside the chamber package: the API hands over plain values.
 */
final class SpecJson {
  private static final TypeReference<Map<String, Object>> FIELDS = new TypeReference<>() {};

  private final ObjectMapper json;

  SpecJson(ObjectMapper json) {
    this.json = json;
  }

  /** The spec as stored: the fields as given. */
  String write(ChamberSpec spec) {
    try {
      return json.writeValueAsString(spec.asGiven());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a spec could not be written as JSON", e);
    }
  }

  /** Any plain value (maps, lists, strings, numbers) as UTF-8 JSON. */
  byte[] bytes(Object value) {
    try {
      return json.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a value could not be written as JSON", e);
    }
  }

  /** Reads a spec written by {@link #write}. */
  ChamberSpec read(String text) {
    JsonNode node;
    try {
      node = json.readTree(text);
    } catch (JsonProcessingException e) {
      throw new InvalidSpecException("a stored spec is not JSON: " + e.getOriginalMessage());
    }
    return ChamberSpec.fromGiven(
        node != null && node.isObject() ? json.convertValue(node, FIELDS) : null);
  }
}
