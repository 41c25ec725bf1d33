package dev.impulse.oci.registry;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.impulse.oci.Descriptor;
import dev.impulse.oci.Digest;
import dev.impulse.oci.MediaTypes;
import dev.impulse.oci.registry.RegistryException.Kind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reads manifests and indexes (OCI and Docker schema 2) from their bytes, which a registry sent and
 * which are hostile until read: every field is checked for its type, and anything else is refused
 * with a {@link ContentException} saying what and where. Keys must not repeat: a manifest with two
 * {@code layers} would mean different images to different readers.
 */
final class Manifests {
  /** The platform impulse runs: chambers are linux/amd64. */
  static final String OS = "linux";

  static final String ARCHITECTURE = "amd64";

  private static final List<String> SCHEMA_1 =
      List.of(
          "application/vnd.docker.distribution.manifest.v1+json",
          "application/vnd.docker.distribution.manifest.v1+prettyjws");
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  /** A manifest or index refused: the kind, and what is wrong with it. */
  static final class ContentException extends RuntimeException {
    private final Kind kind;

    ContentException(Kind kind, String message) {
      super(message);
      this.kind = kind;
    }

    Kind kind() {
      return kind;
    }
  }

  /** An index's entry: a manifest and the platform it is for. */
  record Entry(Descriptor manifest, String os, String architecture, String variant) {
    String platform() {
      return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
    }
  }

  /** A manifest's blobs. */
  record Blobs(Descriptor config, List<Descriptor> layers) {}

  private Manifests() {}

  /** The bytes as a JSON object, or a {@link Kind#PROTOCOL} refusal. */
  static JsonNode read(byte[] raw) {
    try {
      JsonNode root = JSON.readTree(raw);
      if (root == null || !root.isObject()) {
        throw new ContentException(Kind.PROTOCOL, "it is not a JSON object");
      }
      return root;
    } catch (IOException e) {
      throw new ContentException(
          Kind.PROTOCOL, "it is not valid JSON (" + Sanitize.jsonError(e) + ")");
    }
  }

  /**
   * The media type of a manifest or index: its own {@code mediaType} field, else the answer's
   * {@code Content-Type}; they must agree when both name a manifest type. Schema 1 and any type but
   * the four impulse reads are {@link Kind#UNSUPPORTED}.
   */
  static String mediaType(JsonNode root, Optional<String> contentType) {
    Optional<String> declared =
        root.hasNonNull("mediaType") ? Optional.of(text(root, "mediaType")) : Optional.empty();
    Optional<String> header =
        contentType.map(t -> t.split(";", 2)[0].strip()).filter(t -> !t.isEmpty());
    if (root.path("schemaVersion").asInt(-1) == 1
        || declared.filter(SCHEMA_1::contains).isPresent()
        || header.filter(SCHEMA_1::contains).isPresent()) {
      throw new ContentException(
          Kind.UNSUPPORTED,
          "it is a Docker schema 1 manifest, which impulse does not read (deprecated since 2017);"
              + " push the image again with a current tool, which writes schema 2 or OCI");
    }
    Optional<String> known = header.filter(Manifests::isKnown);
    if (declared.isPresent() && known.isPresent() && !declared.equals(known)) {
      throw new ContentException(
          Kind.PROTOCOL,
          "the registry sent it as " + known.get() + ", but it says it is " + declared.get());
    }
    String type =
        declared
            .or(() -> known)
            .orElseThrow(() ->
                new ContentException(
                    Kind.PROTOCOL,
                    "neither it nor the registry's Content-Type ("
                        + header.map(Sanitize::text).orElse("none")
                        + ") says what kind of manifest it is"));
    if (!isKnown(type)) {
      throw new ContentException(
          Kind.UNSUPPORTED,
          "its media type "
              + Sanitize.text(type)
              + " is no image manifest or index impulse reads (OCI or Docker schema 2)");
    }
    return type;
  }

  /** The config and layers of an image manifest, at most {@code maxLayers} of them. */
  static Blobs blobs(JsonNode root, int maxLayers) {
    if (root.path("schemaVersion").asInt(-1) != 2) {
      throw new ContentException(Kind.PROTOCOL, "its schemaVersion is not 2");
    }
    Descriptor config = descriptor(root.path("config"), "config");
    if (!MediaTypes.isConfig(config.mediaType())) {
      throw new ContentException(
          Kind.UNSUPPORTED,
          "its config is "
              + Sanitize.text(config.mediaType())
              + ", so it is no container image (an artifact, a chart?)");
    }
    JsonNode layers = root.path("layers");
    if (!layers.isArray()) {
      throw new ContentException(Kind.PROTOCOL, "it has no 'layers' list");
    }
    if (layers.size() > maxLayers) {
      throw new ContentException(
          Kind.TOO_LARGE,
          "it has "
              + layers.size()
              + " layers; impulse stacks at most "
              + maxLayers
              + " (overlayfs takes a bounded number of lower layers): squash the image");
    }
    List<Descriptor> found = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      found.add(descriptor(layers.get(i), "layers[" + i + "]"));
    }
    return new Blobs(config, List.copyOf(found));
  }

  /** The entries of an index that name a platform. */
  static List<Entry> entries(JsonNode root) {
    JsonNode manifests = root.path("manifests");
    if (root.path("schemaVersion").asInt(-1) != 2 || !manifests.isArray()) {
      throw new ContentException(
          Kind.PROTOCOL, "it is no index of schemaVersion 2 with a 'manifests' list");
    }
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < manifests.size(); i++) {
      JsonNode entry = manifests.get(i);
      Descriptor manifest = descriptor(entry, "manifests[" + i + "]");
      JsonNode platform = entry.path("platform");
      if (platform.isObject()) {
        entries.add(
            new Entry(
                manifest,
                optionalText(platform, "os"),
                optionalText(platform, "architecture"),
                optionalText(platform, "variant")));
      }
    }
    return entries;
  }

  /**
   * The linux/amd64 image manifest of an index's entries (the first, if several); refused, naming
   * the platforms there are, when there is none.
   */
  static Descriptor choose(List<Entry> entries) {
    for (Entry entry : entries) {
      if (entry.os().equals(OS) && entry.architecture().equals(ARCHITECTURE)) {
        if (!MediaTypes.isManifest(entry.manifest().mediaType())) {
          throw new ContentException(
              Kind.UNSUPPORTED,
              "its linux/amd64 entry is "
                  + Sanitize.text(entry.manifest().mediaType())
                  + ", not an image manifest (impulse reads no nested indexes)");
        }
        return entry.manifest();
      }
    }
    String platforms =
        entries.stream()
            .map(Entry::platform)
            .filter(p -> !p.equals("unknown/unknown")) // attestations
            .distinct()
            .collect(Collectors.joining(", "));
    throw new ContentException(
        Kind.UNSUPPORTED,
        "it has no linux/amd64 image, which impulse runs; it has "
            + (platforms.isEmpty() ? "none for any platform" : Sanitize.text(platforms))
            + ": build and push the image for linux/amd64");
  }

  /** A descriptor at {@code node}; {@code where} names it in messages. */
  static Descriptor descriptor(JsonNode node, String where) {
    if (!node.isObject()) {
      throw new ContentException(Kind.PROTOCOL, where + " is not a descriptor object");
    }
    String mediaType = text(node, "mediaType", where);
    String digestText = text(node, "digest", where);
    Digest digest;
    try {
      digest = Digest.parse(digestText);
    } catch (IllegalArgumentException e) {
      throw new ContentException(
          digestText.startsWith("sha512:") ? Kind.UNSUPPORTED : Kind.PROTOCOL,
          where + "'s digest: " + Sanitize.text(e.getMessage()));
    }
    JsonNode size = node.path("size");
    if (!size.isIntegralNumber() || !size.canConvertToLong() || size.asLong() < 0) {
      throw new ContentException(
          Kind.PROTOCOL, where + "'s size is not a non-negative whole number");
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    JsonNode given = node.path("annotations");
    if (!given.isMissingNode() && !given.isNull()) {
      if (!given.isObject()) {
        throw new ContentException(Kind.PROTOCOL, where + "'s annotations are not an object");
      }
      given
          .properties()
          .forEach(e -> {
            if (!e.getValue().isTextual()) {
              throw new ContentException(
                  Kind.PROTOCOL,
                  where + "'s annotation " + Sanitize.text(e.getKey()) + " is no string");
            }
            annotations.put(e.getKey(), e.getValue().asText());
          });
    }
    return new Descriptor(mediaType, digest, size.asLong(), annotations);
  }

  private static boolean isKnown(String type) {
    return MediaTypes.isManifest(type) || MediaTypes.isIndex(type);
  }

  private static String text(JsonNode node, String field) {
    return text(node, field, "the manifest");
  }

  private static String text(JsonNode node, String field, String where) {
    JsonNode value = node.path(field);
    if (!value.isTextual() || value.asText().isBlank()) {
      throw new ContentException(Kind.PROTOCOL, where + " has no '" + field + "' string");
    }
    return value.asText();
  }

  private static String optionalText(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isTextual() ? value.asText() : "";
  }
}
