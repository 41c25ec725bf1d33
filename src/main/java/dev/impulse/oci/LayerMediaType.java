package dev.impulse.oci;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The layer media types impulse unpacks: OCI's tar and tar+gzip, and Docker's tar.gzip (what Docker
 * Hub's images still are). Zstandard layers are refused: commons-compress reads zstd only through
 * zstd-jni, a native library impulse does not ship, and the JDK has no zstd of its own.
 */
public enum LayerMediaType {
  OCI_TAR("application/vnd.oci.image.layer.v1.tar", false),
  OCI_TAR_GZIP("application/vnd.oci.image.layer.v1.tar+gzip", true),
  DOCKER_TAR_GZIP("application/vnd.docker.image.rootfs.diff.tar.gzip", true);

  private final String text;
  private final boolean gzip;

  LayerMediaType(String text, boolean gzip) {
    this.text = text;
    this.gzip = gzip;
  }

  /** The media type as a manifest writes it. */
  public String text() {
    return text;
  }

  /** Whether the blob is the tar compressed with gzip. */
  boolean gzip() {
    return gzip;
  }

  /**
   * The media type a manifest names; throws {@link UnsupportedLayerException} saying why for zstd,
   * foreign and non-distributable layers, and any other type.
   */
  public static LayerMediaType parse(String mediaType) {
    for (LayerMediaType type : values()) {
      if (type.text.equals(mediaType)) {
        return type;
      }
    }
    String supported =
        Arrays.stream(values()).map(LayerMediaType::text).collect(Collectors.joining(", "));
    if (mediaType != null && mediaType.endsWith("zstd")) {
      throw new UnsupportedLayerException(
          "layer media type '"
              + mediaType
              + "' is not supported: zstd layers need commons-compress's zstd-jni, a native library"
              + " impulse does not ship; push the image with gzip layers ("
              + supported
              + ")");
    }
    if (mediaType != null && (mediaType.contains("foreign") || mediaType.contains("nondistrib"))) {
      throw new UnsupportedLayerException(
          "layer media type '"
              + mediaType
              + "' is not supported: foreign and non-distributable layers are fetched from URLs"
              + " outside the registry; impulse takes "
              + supported);
    }
    throw new UnsupportedLayerException(
        "layer media type '" + mediaType + "' is not supported; impulse takes " + supported);
  }

  @Override
  public String toString() {
    return text;
  }
}
