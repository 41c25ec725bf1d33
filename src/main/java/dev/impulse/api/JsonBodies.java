package dev.impulse.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Reads small JSON request bodies with a size limit, so every mistake gets a message naming what
 * was expected. What it returns are plain values (maps, lists, strings, numbers, booleans): Jackson
 * ends here, and the packages behind the API check the fields.
 */
final class JsonBodies {
  private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};

  private final ObjectMapper json;
  private final int maxBytes;

  JsonBodies(ObjectMapper json, int maxBytes) {
    this.json = json;
    this.maxBytes = maxBytes;
  }

  /** Reads the body as one JSON object: its fields in the order given. */
  Map<String, Object> readObject(InputStream body) {
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
    return json.convertValue(node, OBJECT);
  }
}
