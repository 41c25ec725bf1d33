package dev.impulse.oci.build;

import dev.impulse.linux.FileTrees;
import dev.impulse.oci.Digest;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Hands a {@link BuiltImage} out as an OCI image layout: {@code oci-layout}, {@code index.json}
 * naming the manifest by a tag, and {@code blobs/sha256/<hex>} for the manifest, the config and
 * each layer. Streamed as a tar to an {@link OutputStream} (a download: {@code skopeo copy
 * oci-archive:image.tar:TAG ...}, or unpacked and read as {@code oci:DIR:TAG}), or written into a
 * directory. Layers are copied from their files, never held in memory.
 *
 * <p>The tar is deterministic: entries in a fixed order (the layout's files, then blobs by digest,
 * each once), mode 0644 or 0755, owner 0, time 0. A layer file whose size is not the one its
 * descriptor names stops the archive before any of its bytes are written. Stateless and
 * thread-safe.
 */
public final class OciArchive {
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final FileTime EPOCH = FileTime.from(Instant.EPOCH);
  private static final int RECORD = 512;
  private static final String BLOBS = "blobs/sha256/";

  private OciArchive() {}

  /**
   * Writes {@code image} as a tar of an OCI image layout to {@code out}, its manifest tagged {@code
   * tag}; flushes {@code out} but does not close it.
   */
  public static void write(BuiltImage image, String tag, OutputStream out) throws IOException {
    Map<String, Blob> blobs = blobs(image);
    checkLayerFiles(blobs);
    BufferedOutputStream buffered = new BufferedOutputStream(out, 64 * 1024);
    TarArchiveOutputStream tar = new TarArchiveOutputStream(buffered);
    file(tar, "oci-layout", ImageJson.layout());
    file(tar, "index.json", ImageJson.index(image.manifest(), checkTag(tag)));
    directory(tar, "blobs/");
    directory(tar, BLOBS);
    for (Map.Entry<String, Blob> blob : blobs.entrySet()) {
      TarArchiveEntry entry = entry(BLOBS + blob.getKey(), TarConstants.LF_NORMAL, 0644);
      entry.setSize(blob.getValue().size());
      tar.putArchiveEntry(entry);
      blob.getValue().copyTo(tar);
      tar.closeArchiveEntry();
    }
    tar.finish();
    buffered.flush(); // the tar stream's flush does not reach it
  }

  /** The bytes {@link #write} writes for {@code image}: a download's {@code Content-Length}. */
  public static long size(BuiltImage image, String tag) {
    long bytes = 2 * RECORD; // the end-of-archive records
    bytes += RECORD + padded(ImageJson.layout().length);
    bytes += RECORD + padded(ImageJson.index(image.manifest(), checkTag(tag)).length);
    bytes += 2 * RECORD; // blobs/ and blobs/sha256/
    for (Blob blob : blobs(image).values()) {
      bytes += RECORD + padded(blob.size());
    }
    return bytes;
  }

  /**
   * Writes {@code image} as an OCI image layout into {@code dir}, made if missing and otherwise
   * empty (one image per layout: merging indexes is not done here). {@code oci-layout} comes last,
   * so a layout cut short is no layout; on failure what was written is removed.
   */
  public static void writeDirectory(BuiltImage image, String tag, Path dir) throws IOException {
    byte[] index = ImageJson.index(image.manifest(), checkTag(tag));
    Map<String, Blob> blobs = blobs(image);
    checkLayerFiles(blobs);
    Files.createDirectories(dir);
    try (Stream<Path> existing = Files.list(dir)) {
      if (existing.findAny().isPresent()) {
        throw new IOException(
            "cannot write an OCI image layout into " + dir + ": it is not empty; give a new one");
      }
    }
    try {
      Path sha256 = Files.createDirectories(dir.resolve(BLOBS));
      for (Map.Entry<String, Blob> blob : blobs.entrySet()) {
        blob.getValue().copyTo(sha256.resolve(blob.getKey()));
      }
      Files.write(dir.resolve("index.json"), index);
      Files.write(dir.resolve("oci-layout"), ImageJson.layout());
    } catch (IOException | RuntimeException e) {
      for (String name : List.of("blobs", "index.json", "oci-layout")) {
        try {
          FileTrees.deleteRecursively(dir.resolve(name));
        } catch (IOException | RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  /** The blobs of {@code image} by digest hex, each once, sorted: a layer may be listed twice. */
  private static Map<String, Blob> blobs(BuiltImage image) {
    List<Blob> all = new ArrayList<>();
    all.add(new Json(image.digest(), image.manifestJson()));
    all.add(new Json(image.config().digest(), image.configJson()));
    image.layers().forEach(layer -> all.add(new Layer(layer)));
    Map<String, Blob> byDigest = new TreeMap<>();
    all.forEach(blob -> byDigest.putIfAbsent(blob.digest().hex(), blob));
    return byDigest;
  }

  private static void checkLayerFiles(Map<String, Blob> blobs) throws IOException {
    for (Blob blob : blobs.values()) {
      if (blob instanceof Layer layer) {
        layer.check();
      }
    }
  }

  private static String checkTag(String tag) {
    if (tag == null || !TAG.matcher(tag).matches()) {
      throw new IllegalArgumentException(
          "'"
              + tag
              + "' is no image tag: up to 128 letters, digits, '_', '.' and '-', not beginning"
              + " with '.' or '-'");
    }
    return tag;
  }

  private static long padded(long size) {
    return (size + RECORD - 1) / RECORD * RECORD;
  }

  private static void file(TarArchiveOutputStream tar, String name, byte[] content)
      throws IOException {
    TarArchiveEntry entry = entry(name, TarConstants.LF_NORMAL, 0644);
    entry.setSize(content.length);
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  private static void directory(TarArchiveOutputStream tar, String name) throws IOException {
    tar.putArchiveEntry(entry(name, TarConstants.LF_DIR, 0755));
    tar.closeArchiveEntry();
  }

  private static TarArchiveEntry entry(String name, byte type, int mode) {
    TarArchiveEntry entry = new TarArchiveEntry(name, type);
    entry.setMode(mode);
    entry.setUserId(0);
    entry.setGroupId(0);
    entry.setUserName("");
    entry.setGroupName("");
    entry.setLastModifiedTime(EPOCH);
    return entry;
  }

  /** A blob of the layout: JSON in memory, or a layer in its file. */
  private sealed interface Blob {
    Digest digest();

    long size();

    void copyTo(OutputStream out) throws IOException;

    void copyTo(Path file) throws IOException;
  }

  private record Json(Digest digest, byte[] bytes) implements Blob {
    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public void copyTo(OutputStream out) throws IOException {
      out.write(bytes);
    }

    @Override
    public void copyTo(Path file) throws IOException {
      Files.write(file, bytes);
    }
  }

  private record Layer(LayerBlob blob) implements Blob {
    @Override
    public Digest digest() {
      return blob.digest();
    }

    @Override
    public long size() {
      return blob.size();
    }

    /** Checks the file is there with the size the descriptor names, before a byte is written. */
    void check() throws IOException {
      Path file = blob.file();
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) != size()) {
        throw new IOException(
            "the layer "
                + digest()
                + " is not in "
                + file
                + " with the "
                + size()
                + " bytes its descriptor names: was it removed from its cache? Bake again");
      }
    }

    @Override
    public void copyTo(OutputStream out) throws IOException {
      try (InputStream in = Files.newInputStream(blob.file())) {
        if (in.transferTo(out) != size()) {
          throw new IOException(
              "the layer file " + blob.file() + " changed while it was sent: bake again");
        }
      }
    }

    @Override
    public void copyTo(Path file) throws IOException {
      Files.copy(blob.file(), file);
    }
  }
}
