package dev.impulse.oci.build;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What an image is made of: how it runs, its layers and the manifest's annotations. Immutable.
 *
 * @param config how a container of the image runs
 * @param layers the layers, bottom (the root file system) first; at least one
 * @param annotations the manifest's annotations ({@code org.opencontainers.image.source} and the
 *     like); kept sorted
 * @param architecture the CPU architecture the image's programs are built for, as Go names it:
 *     {@code amd64} or {@code arm64}
 */
public record ImageSpec(
    RunConfig config,
    List<ImageLayer> layers,
    Map<String, String> annotations,
    String architecture) {
  private static final Set<String> ARCHITECTURES = Set.of("amd64", "arm64");

  public ImageSpec {
    if (config == null) {
      throw new IllegalArgumentException("an image needs a run configuration: RunConfig.EMPTY");
    }
    if (layers == null || layers.isEmpty() || layers.stream().anyMatch(Objects::isNull)) {
      throw new IllegalArgumentException("an image needs at least one layer, its root file system");
    }
    layers = List.copyOf(layers);
    if (annotations == null) {
      throw new IllegalArgumentException("the annotations cannot be null; give an empty map");
    }
    SortedMap<String, String> sorted = new TreeMap<>();
    annotations.forEach((name, value) -> {
      if (name == null || name.isEmpty() || value == null) {
        throw new IllegalArgumentException(
            "an annotation needs a name and a value, not " + name + "=" + value);
      }
      sorted.put(name, value);
    });
    annotations = Collections.unmodifiableSortedMap(sorted);
    if (!ARCHITECTURES.contains(architecture)) {
      throw new IllegalArgumentException(
          "architecture '" + architecture + "' is not one impulse writes images for: amd64, arm64");
    }
  }

  /**
   * An image of {@code layers} for this machine's architecture, without annotations: the root file
   * systems impulse builds are of the machine it runs on.
   */
  public static ImageSpec of(RunConfig config, List<ImageLayer> layers) {
    return new ImageSpec(config, layers, Map.of(), hostArchitecture());
  }

  /** This spec with the manifest's annotations {@code annotations}. */
  public ImageSpec withAnnotations(Map<String, String> annotations) {
    return new ImageSpec(config, layers, annotations, architecture);
  }

  /** The Go name of the JVM's architecture; throws for one impulse writes no images for. */
  static String hostArchitecture() {
    String arch = System.getProperty("os.arch");
    return switch (arch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default ->
          throw new IllegalStateException(
              "this machine's architecture '" + arch + "' is not one impulse writes images for");
    };
  }
}
