package dev.impulse.oci.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.impulse.oci.Digest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What impulse reads of an image config (the OCI image spec's {@code application/vnd.oci.image.
 * config.v1+json}, Docker's is the same): the platform, what the image runs and how, and the
 * diffIDs that tie the config to its layers' content. A field the config lacks (or sets to {@code
 * null}) is empty. Immutable.
 *
 * @param os {@code os}, as {@code linux}
 * @param architecture {@code architecture}, as {@code amd64}
 * @param env {@code config.Env}, {@code NAME=value} strings
 * @param entrypoint {@code config.Entrypoint}
 * @param cmd {@code config.Cmd}
 * @param workingDir {@code config.WorkingDir}
 * @param user {@code config.User}
 * @param labels {@code config.Labels}
 * @param diffIds {@code rootfs.diff_ids}: the digest of each layer's uncompressed tar, bottom first
 */
public record ImageConfig(
    String os,
    String architecture,
    List<String> env,
    List<String> entrypoint,
    List<String> cmd,
    String workingDir,
    String user,
    Map<String, String> labels,
    List<Digest> diffIds) {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  public ImageConfig {
    if (os == null || architecture == null || workingDir == null || user == null) {
      throw new IllegalArgumentException("an image config's text fields are empty, never null");
    }
    env = List.copyOf(env);
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    labels = Map.copyOf(labels);
    diffIds = List.copyOf(diffIds);
  }

  /**
   * Reads a config's JSON. Throws {@link IllegalArgumentException} naming the field that is not
   * what the image spec says it is.
   */
  public static ImageConfig parse(byte[] json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "the image config is not valid JSON (" + Sanitize.jsonError(e) + ")", e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("the image config is not a JSON object");
    }
    JsonNode config = object(root, "config");
    JsonNode rootfs = object(root, "rootfs");
    List<Digest> diffIds = new ArrayList<>();
    List<String> texts = strings(rootfs, "rootfs.diff_ids");
    for (int i = 0; i < texts.size(); i++) {
      try {
        diffIds.add(Digest.parse(texts.get(i)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "the image config's rootfs.diff_ids[" + i + "] is invalid: " + e.getMessage(), e);
      }
    }
    return new ImageConfig(
        text(root, "os"),
        text(root, "architecture"),
        strings(config, "config.Env"),
        strings(config, "config.Entrypoint"),
        strings(config, "config.Cmd"),
        text(config, "config.WorkingDir"),
        text(config, "config.User"),
        labels(config),
        diffIds);
  }

  private static String field(String path) {
    return path.substring(path.lastIndexOf('.') + 1);
  }

  /** The object at {@code name}, or an empty one when absent or null. */
  private static JsonNode object(JsonNode parent, String path) {
    JsonNode node = parent.path(field(path));
    if (node.isMissingNode() || node.isNull()) {
      return JSON.createObjectNode();
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException("the image config's " + path + " is not an object");
    }
    return node;
  }

  private static String text(JsonNode parent, String path) {
    JsonNode node = parent.path(field(path));
    if (node.isMissingNode() || node.isNull()) {
      return "";
    }
    if (!node.isTextual()) {
      throw new IllegalArgumentException("the image config's " + path + " is not a string");
    }
    return node.asText();
  }

  private static List<String> strings(JsonNode parent, String path) {
    JsonNode node = parent.path(field(path));
    if (node.isMissingNode() || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw new IllegalArgumentException("the image config's " + path + " is not a list");
    }
    List<String> values = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      if (!node.get(i).isTextual()) {
        throw new IllegalArgumentException(
            "the image config's " + path + "[" + i + "] is not a string");
      }
      values.add(node.get(i).asText());
    }
    return values;
  }

  private static Map<String, String> labels(JsonNode config) {
    JsonNode node = object(config, "config.Labels");
    Map<String, String> labels = new LinkedHashMap<>();
    node.properties()
        .forEach(e -> {
          if (!e.getValue().isTextual()) {
            throw new IllegalArgumentException(
                "the image config's config.Labels."
                    + Sanitize.text(e.getKey())
                    + " is not a string");
          }
          labels.put(e.getKey(), e.getValue().asText());
        });
    return labels;
  }
}
