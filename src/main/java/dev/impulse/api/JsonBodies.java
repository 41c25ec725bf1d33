package dev.impulse.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Set;

/**
 * Reads small JSON request bodies with a size limit and checks their fields, so every mistake gets
 * a message naming the field and what was expected.
 */
final class JsonBodies {
  private final ObjectMapper json;
  private final int maxBytes;

  JsonBodies(ObjectMapper json, int maxBytes) {
    this.json = json;
    this.maxBytes = maxBytes;
  }

  /** Reads the body as one JSON object whose fields are all among {@code allowed}. */
  JsonNode readObject(InputStream body, Set<String> allowed) {
    byte[] bytes;
    try {
      bytes = body.readNBytes(maxBytes + 1);
    } catch (IOException e) {
      throw new UncheckedIOException("reading the request body failed", e);
    }
    if (bytes.length > maxBytes) {
      throw new BodyTooLargeException(maxBytes);
    }
    if (bytes.length == 0) {
      throw new InvalidRequestException("the request body is empty; send a JSON object");
    }
    JsonNode node;
    try {
      node = json.readTree(bytes);
    } catch (JsonProcessingException e) {
      String why = e.getOriginalMessage().replaceAll("\\s*\\(start marker at .*$", "");
      String where =
          e.getLocation() == null
              ? ""
              : " (line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr()
                  + ")";
      throw new InvalidRequestException("the request body is not valid JSON: " + why + where);
    } catch (IOException e) {
      throw new InvalidRequestException("the request body is not valid JSON");
    }
    if (node == null || !node.isObject()) {
      throw new InvalidRequestException("the request body must be a JSON object");
    }
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw new InvalidRequestException(
            "unknown field '"
                + name
                + "'; allowed fields: "
                + String.join(", ", allowed.stream().sorted().toList()));
      }
    }
    return node;
  }

  /** The required string field {@code name}. */
  static String requiredString(JsonNode object, String name) {
    JsonNode value = object.get(name);
    if (value == null || value.isNull()) {
      throw new InvalidRequestException("field '" + name + "' is required");
    }
    if (!value.isTextual()) {
      throw new InvalidRequestException(
          "field '" + name + "' must be a string, not " + describe(value));
    }
    return value.textValue();
  }

  static String describe(JsonNode value) {
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
