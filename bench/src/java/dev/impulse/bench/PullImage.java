package dev.impulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.linux.FileTrees;
import dev.impulse.testing.LocalRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The pull scenario's runtime image, made and pushed as {@code RuntimeImageIT} makes it, by tools
 * other than impulse: umoci puts a baseimage's whole root file system into one layer, adds two
 * small layers (an interpreter link in {@code /usr/local/bin}, a marker file) and sets {@code
 * PATH}; skopeo pushes it to a local registry. Nothing of it is timed.
 *
 * @param reference what it was pushed as: {@code 127.0.0.1:PORT/bench/python:3.11}
 * @param layerBytes each layer blob's size (compressed), bottom first, as its manifest says
 */
record PullImage(String reference, List<Long> layerBytes) {
  static final String TAG = "py";

  PullImage {
    layerBytes = List.copyOf(layerBytes);
  }

  /** The layer blobs' bytes: what a pull fetches besides manifest and config. */
  long compressedBytes() {
    return layerBytes.stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Makes the image of {@code rootfs} in {@code scratch} (removed again once pushed) and pushes it
   * to {@code registry} as {@code bench/python:3.11}.
   */
  static PullImage push(Programs tools, Path rootfs, Path scratch, LocalRegistry registry)
      throws IOException {
    Path layout = scratch.resolve("layout");
    Path bundle = scratch.resolve("bundle");
    String tagged = layout + ":" + TAG;
    try {
      tools.run("umoci", "init", "--layout", layout.toString());
      tools.run("umoci", "new", "--image", tagged);
      tools.run("umoci", "unpack", "--image", tagged, bundle.toString());
      tools.run("cp", "-a", rootfs + "/.", bundle.resolve("rootfs").toString());
      tools.run("umoci", "repack", "--image", tagged, bundle.toString());
      FileTrees.deleteRecursively(bundle);
      Path bin = Files.createDirectories(scratch.resolve("bin"));
      Files.createSymbolicLink(bin.resolve("python3"), Path.of("/usr/bin/python3.11"));
      tools.run("umoci", "insert", "--image", tagged, bin.toString(), "/usr/local/bin");
      Path mark = Files.writeString(scratch.resolve("mark"), "pushed for bench/run.sh pull\n");
      tools.run("umoci", "insert", "--image", tagged, mark.toString(), "/etc/impulse-mark");
      tools.run(
          "umoci",
          "config",
          "--image",
          tagged,
          "--config.env",
          "PATH=/usr/local/bin:/usr/bin:/bin");
      String reference = registry.host() + "/bench/python:3.11";
      tools.run(
          "skopeo",
          "copy",
          "--quiet",
          "--dest-tls-verify=false",
          "oci:" + tagged,
          "docker://" + reference);
      return new PullImage(reference, layerSizes(layout));
    } finally {
      FileTrees.deleteRecursively(scratch);
    }
  }

  /** The sizes of the layers of the layout's one image, from its index and manifest. */
  private static List<Long> layerSizes(Path layout) throws IOException {
    ObjectMapper json = new ObjectMapper();
    JsonNode index = json.readTree(layout.resolve("index.json").toFile());
    if (index.path("manifests").size() != 1) {
      throw new IllegalStateException("the layout " + layout + " holds more than one image");
    }
    JsonNode manifest = json.readTree(blob(layout, index.path("manifests").get(0)).toFile());
    List<Long> sizes = new ArrayList<>();
    manifest.path("layers").forEach(layer -> sizes.add(layer.path("size").asLong()));
    return sizes;
  }

  private static Path blob(Path layout, JsonNode descriptor) {
    String[] digest = descriptor.path("digest").asText().split(":", 2);
    return layout.resolve("blobs").resolve(digest[0]).resolve(digest[1]);
  }
}
