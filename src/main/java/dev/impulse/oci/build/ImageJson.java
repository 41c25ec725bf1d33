package dev.impulse.oci.build;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.impulse.oci.Descriptor;
import dev.impulse.oci.MediaTypes;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The JSON documents of an image, written byte for byte the same for the same input: objects are
 * built field by field in a fixed order, maps sorted by key, no white space, no field left to a
 * library's defaults. Digests are taken of exactly these bytes, so a change here changes every
 * image's digest. Field names and shapes are the OCI image spec's (config, manifest, index, image
 * layout); empty optional fields are left out.
 */
final class ImageJson {
  /** The OCI annotation naming a manifest's tag in an index. */
  static final String REF_NAME = "org.opencontainers.image.ref.name";

  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ImageJson() {}

  /** The image config of {@code spec}: how it runs, its layers' diffIDs and their history. */
  static byte[] config(ImageSpec spec, Optional<Instant> created) {
    ObjectNode root = NODES.objectNode();
    created.ifPresent(time -> root.put("created", time.toString()));
    root.put("architecture", spec.architecture());
    root.put("os", "linux");
    root.set("config", runConfig(spec.config()));
    ObjectNode rootfs = root.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    ArrayNode history = root.putArray("history");
    for (ImageLayer layer : spec.layers()) {
      diffIds.add(layer.blob().diffId().toString());
      ObjectNode entry = history.addObject();
      created.ifPresent(time -> entry.put("created", time.toString()));
      entry.put("created_by", layer.createdBy());
    }
    return bytes(root);
  }

  /** The image manifest listing {@code config} and {@code layers}. */
  static byte[] manifest(Descriptor config, List<LayerBlob> layers, Map<String, String> notes) {
    ObjectNode root = NODES.objectNode();
    root.put("schemaVersion", 2);
    root.put("mediaType", MediaTypes.OCI_MANIFEST);
    root.set("config", descriptor(config));
    ArrayNode array = root.putArray("layers");
    layers.forEach(layer -> array.add(descriptor(layer.descriptor())));
    if (!notes.isEmpty()) {
      root.set("annotations", strings(notes));
    }
    return bytes(root);
  }

  /** An OCI image layout's {@code index.json}: one manifest, named by {@code tag}. */
  static byte[] index(Descriptor manifest, String tag) {
    ObjectNode root = NODES.objectNode();
    root.put("schemaVersion", 2);
    root.put("mediaType", MediaTypes.OCI_INDEX);
    Map<String, String> notes = new TreeMap<>(manifest.annotations());
    notes.put(REF_NAME, tag);
    root.putArray("manifests")
        .add(
            descriptor(
                new Descriptor(manifest.mediaType(), manifest.digest(), manifest.size(), notes)));
    return bytes(root);
  }

  /** An OCI image layout's {@code oci-layout} file. */
  static byte[] layout() {
    ObjectNode root = NODES.objectNode();
    root.put("imageLayoutVersion", "1.0.0");
    return bytes(root);
  }

  private static ObjectNode runConfig(RunConfig run) {
    ObjectNode config = NODES.objectNode();
    putText(config, "User", run.user());
    if (!run.exposedPorts().isEmpty()) {
      ObjectNode ports = config.putObject("ExposedPorts");
      run.exposedPorts().forEach(ports::putObject);
    }
    putArray(config, "Env", run.env());
    putArray(config, "Entrypoint", run.entrypoint());
    putArray(config, "Cmd", run.cmd());
    putText(config, "WorkingDir", run.workingDir());
    if (!run.labels().isEmpty()) {
      config.set("Labels", strings(run.labels()));
    }
    return config;
  }

  private static ObjectNode descriptor(Descriptor descriptor) {
    ObjectNode node = NODES.objectNode();
    node.put("mediaType", descriptor.mediaType());
    node.put("digest", descriptor.digest().toString());
    node.put("size", descriptor.size());
    if (!descriptor.annotations().isEmpty()) {
      node.set("annotations", strings(descriptor.annotations()));
    }
    return node;
  }

  private static ObjectNode strings(Map<String, String> map) {
    ObjectNode node = NODES.objectNode();
    new TreeMap<>(map).forEach(node::put);
    return node;
  }

  private static void putText(ObjectNode node, String name, String value) {
    if (!value.isEmpty()) {
      node.put(name, value);
    }
  }

  private static void putArray(ObjectNode node, String name, Collection<String> values) {
    if (!values.isEmpty()) {
      ArrayNode array = node.putArray(name);
      values.forEach(array::add);
    }
  }

  private static byte[] bytes(ObjectNode root) {
    try {
      return JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree of strings and numbers could not be written", e);
    }
  }
}
