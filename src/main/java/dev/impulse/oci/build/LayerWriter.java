package dev.impulse.oci.build;

import dev.impulse.linux.RootedDir;
import dev.impulse.oci.Descriptor;
import dev.impulse.oci.LayerMediaType;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a host directory tree as an OCI layer blob: a gzip-compressed tar, whose digest and size
 * (the manifest's descriptor) and whose uncompressed tar's digest (the config's diffID) are
 * computed while it is written. It exists because the image builders at hand lose what a root file
 * system needs (jib-core follows symbolic links, copies hard links and drops modes).
 *
 * <p>What the layer keeps: directories, regular files, symbolic links (never followed, their text
 * as it is, absolute or dangling), hard links (the second and later names of an inode become tar
 * hard links to the first, so unpacked they are one inode again), all twelve mode bits (set-id and
 * sticky included: whoever unpacks decides what to strip), numeric uid and gid without names (the
 * image's {@code /etc/passwd} gives the names), and modification times in whole seconds (Python
 * checks its {@code .pyc} caches against them). Sockets, FIFOs and device nodes are skipped and
 * counted: a layer cannot carry a device an unpacker would have to make. Extended attributes are
 * not written: {@code security.capability} would be a privilege the layer grants.
 *
 * <p>Deterministic: each directory's names are sorted, headers carry nothing of the machine or the
 * moment (no user names, no access or change times, the prefix's directories at time 0), so the
 * same tree gives the same diffID, and with the same JDK (its zlib) the same digest. The root of
 * the tree is not an entry: an unpacker keeps its own root's mode.
 *
 * <p>Immutable and thread-safe: each {@link #write} uses its own streams.
 */
public final class LayerWriter {
  /**
   * gzip level 1, as go-containerregistry (crane, ko) writes layers. Measured on the Python 3.11
   * root file system (a 146 MB tar, 5,781 entries; 2 busy cores): level 1 took 2.7-3.1 s for 51.6
   * MB, the default level 6 took 7.2-8.2 s for 46.3 MB. Five more seconds each time a root file
   * system is written (once per recipe, with {@link LayerCache}), and on every bake for a big guest
   * layer, would buy 11% fewer bytes to push and pull; gunzip takes the same 1.4-1.5 s for both.
   */
  static final int DEFAULT_GZIP_LEVEL = Deflater.BEST_SPEED;

  private static final Logger log = LoggerFactory.getLogger(LayerWriter.class);
  private static final int BUFFER = 64 * 1024;

  private final LayerOptions options;
  private final int gzipLevel;

  /** A writer of trees as {@code options} say. */
  public LayerWriter(LayerOptions options) {
    this(options, DEFAULT_GZIP_LEVEL);
  }

  LayerWriter(LayerOptions options, int gzipLevel) {
    if (options == null) {
      throw new IllegalArgumentException("a layer writer needs options: give LayerOptions.DEFAULT");
    }
    if (gzipLevel < Deflater.BEST_SPEED || gzipLevel > Deflater.BEST_COMPRESSION) {
      throw new IllegalArgumentException("gzip level " + gzipLevel + " is not in 1..9");
    }
    this.options = options;
    this.gzipLevel = gzipLevel;
  }

  /**
   * Writes the tree {@code tree} into the new file {@code blobFile} (which must not exist: nothing
   * is ever written over), synced to disk. On failure the file is removed and the exception says
   * what failed: a file of the tree that could not be read or changed while it was read, or the
   * disk.
   */
  public LayerBlob write(Path tree, Path blobFile) throws IOException {
    if (!Files.isDirectory(tree, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(
          "cannot write a layer of " + tree + ": it is not a directory (or is a symbolic link)");
    }
    long started = System.nanoTime();
    OutputStream file =
        Files.newOutputStream(blobFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try {
      LayerBlob blob = write(tree, blobFile, file, started);
      try (FileChannel written = FileChannel.open(blobFile, StandardOpenOption.WRITE)) {
        written.force(false); // fsync reaches the file's data through any descriptor
      }
      return blob;
    } catch (IOException | RuntimeException | Error e) {
      deleteQuietly(blobFile, e);
      throw e;
    }
  }

  /** Writes the blob into {@code file}, which it closes. */
  private LayerBlob write(Path tree, Path blobFile, OutputStream file, long started)
      throws IOException {
    HashingOutputStream blob = new HashingOutputStream(new BufferedOutputStream(file, BUFFER));
    HashingOutputStream uncompressed;
    TreeTar.Counts counts;
    try (blob;
        RootedDir root = RootedDir.open(tree);
        LeveledGzip gzip = new LeveledGzip(blob, gzipLevel)) {
      uncompressed = new HashingOutputStream(gzip);
      TarArchiveOutputStream tar =
          new TarArchiveOutputStream(
              new BufferedOutputStream(uncompressed, BUFFER), StandardCharsets.UTF_8.name());
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      tar.setAddPaxHeadersForNonAsciiNames(true);
      counts = new TreeTar(tree, root, options, tar).write();
      tar.close(); // and so down the chain: the gzip trailer, the file
    }
    Descriptor descriptor =
        new Descriptor(LayerMediaType.OCI_TAR_GZIP.text(), blob.digest(), blob.bytes());
    LayerBlob written = new LayerBlob(blobFile, descriptor, uncompressed.digest());
    log.info(
        "layer {} of {}: {} entries, {} bytes of files, {} bytes compressed, in {} ms{}",
        written.digest().shortHex(),
        tree,
        counts.entries(),
        counts.contentBytes(),
        blob.bytes(),
        (System.nanoTime() - started) / 1_000_000,
        counts.skipped() == 0
            ? ""
            : ", " + counts.skipped() + " sockets, FIFOs or devices skipped");
    return written;
  }

  private static void deleteQuietly(Path file, Throwable failure) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /** gzip at a chosen level; the JDK's header has no name and time 0, so it is the same always. */
  private static final class LeveledGzip extends GZIPOutputStream {
    LeveledGzip(OutputStream out, int level) throws IOException {
      super(out, BUFFER);
      def.setLevel(level);
    }
  }
}
