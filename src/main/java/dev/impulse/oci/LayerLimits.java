package dev.impulse.oci;

/**
 * What one layer may unpack to; every layer is hostile input, and each bound is checked while
 * reading, before the bytes or entries it counts are written.
 *
 * @param maxUnpackedBytes the most bytes of the layer's uncompressed tar (headers, padding and
 *     content no file keeps included), and, counted apart, the most bytes of file content written
 *     (a sparse entry writes more than its tar holds); the same number bounds the blob itself.
 *     Default 4 GiB: more than the largest layers of common runtime images (CUDA's are about 3
 *     GiB), and what a full disk would otherwise decide.
 * @param maxEntries the most tar entries, whiteouts and skipped entries included. Default 500,000:
 *     a Debian root has about 10,000, a Node.js application layer with its node_modules well under
 *     200,000.
 * @param maxPathBytes the longest entry name or link target, in UTF-8 bytes. Default 4,096, the
 *     kernel's PATH_MAX, which nothing longer could be used with anyway.
 * @param maxExpansionRatio the compression-bomb bound: the uncompressed tar may be at most this
 *     many times the compressed bytes read so far, once it is past {@link #BOMB_GRACE_BYTES}.
 *     Default 100, Apache POI's bound for zip entries: real layers compress 2 to 10 times, while
 *     gzip of zeros reaches 1,000, so a bomb is stopped within its first megabytes of input instead
 *     of after gigabytes of work.
 */
public record LayerLimits(
    long maxUnpackedBytes, int maxEntries, int maxPathBytes, int maxExpansionRatio) {
  /** The bounds described above. */
  public static final LayerLimits DEFAULT = new LayerLimits(4L << 30, 500_000, 4096, 100);

  /** Below this many uncompressed bytes any ratio is allowed: a small layer of zeros is no bomb. */
  public static final long BOMB_GRACE_BYTES = 16L << 20;

  public LayerLimits {
    if (maxUnpackedBytes <= 0 || maxEntries <= 0 || maxPathBytes <= 0 || maxExpansionRatio <= 0) {
      throw new IllegalArgumentException(
          "layer limits must be positive: maxUnpackedBytes="
              + maxUnpackedBytes
              + ", maxEntries="
              + maxEntries
              + ", maxPathBytes="
              + maxPathBytes
              + ", maxExpansionRatio="
              + maxExpansionRatio);
    }
  }
}
