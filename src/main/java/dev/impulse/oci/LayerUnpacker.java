package dev.impulse.oci;

import dev.impulse.linux.LinuxException;
import dev.impulse.linux.RootedDir;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacks one layer blob into an empty directory as an overlayfs lower layer, so that stacking the
 * image's layers ({@code lowerdir=top:...:bottom}) gives the image's root file system.
 *
 * <p>While reading it computes the blob's SHA-256 (the digest the manifest names, compared at the
 * end: a mismatch refuses the layer) and the uncompressed tar's (the diffID). Whiteouts {@code
 * dir/.wh.name} become character devices 0:0 at {@code dir/name}, opaque markers {@code
 * dir/.wh..wh..opq} the attribute {@code trusted.overlay.opaque=y} on {@code dir} (both need root,
 * as in containerd's overlay snapshotter); any other name beginning with {@code .wh.} is refused.
 *
 * <p>Safety: names that are absolute or hold {@code ..} are refused, and every operation goes
 * through a {@link RootedDir}, so nothing is written through a symbolic link (links themselves may
 * point anywhere: they are resolved inside a chamber's root). Hard links name earlier files of the
 * layer only. Set-uid and set-gid bits are stripped (a directory keeps its sticky bit); extended
 * attributes in the tar (PAX {@code SCHILY.xattr.*}) are not applied, as {@code
 * security.capability} would grant privileges like a set-uid bit and {@code trusted.overlay.*}
 * would forge whiteouts and redirects. Character and block devices and FIFOs are skipped with a
 * warning, never made: in a chamber they could do nothing (overlays are mounted nodev, runc gives
 * {@code /dev} its own tmpfs and the device cgroup denies them), in the store they would be host
 * device nodes, and refusing them would turn away images exported from running systems, which hold
 * {@code /dev/console} and the like. A skipped entry changes nothing in the layer.
 *
 * <p>Ownership: every file belongs to the unpacking process (root); the tar's uid and gid are not
 * kept. Chambers run as uids impulse hands out ({@code 2,000,000,000 + port}) with no user
 * namespace, never as the image's user, so an image's owners would buy a chamber nothing, while in
 * the store they are host uids: an image could give its files to a host user, or to another
 * chamber's uid. Permission bits are kept (less set-id), so what is private to an image's user
 * stays unreadable to the chamber, as it would be to any other user. Modification times are kept:
 * Python checks them against its {@code .pyc} caches.
 *
 * <p>One instance may unpack many layers, one at a time per call; calls may run concurrently.
 */
final class LayerUnpacker {
  private static final Logger log = LoggerFactory.getLogger(LayerUnpacker.class);
  private static final int WARNED_SKIPS = 5;
  private static final int GZIP_BUFFER = 64 * 1024;

  private final LayerLimits limits;

  LayerUnpacker(LayerLimits limits) {
    this.limits = limits;
  }

  /**
   * Unpacks {@code blob} of media type {@code type} into the existing empty directory {@code
   * target}. Throws {@link InvalidLayerException} naming the layer (and the entry) when the blob is
   * refused, an {@link IOException} when reading {@code blob} itself fails, and a {@link
   * LinuxException} that is not about the layer (a full disk) as it is. On failure {@code target}
   * holds part of the layer: the caller removes it.
   */
  UnpackedLayer unpack(InputStream blob, LayerMediaType type, Digest expected, Path target)
      throws IOException {
    LayerStreams.Blob raw = new LayerStreams.Blob(blob, limits.maxUnpackedBytes());
    try (RootedDir dir = RootedDir.open(target)) {
      Reading reading = new Reading(expected, new LayerTree(dir));
      LayerStreams.Tar tar;
      try {
        InputStream uncompressed = type.gzip() ? new GZIPInputStream(raw, GZIP_BUFFER) : raw;
        tar = new LayerStreams.Tar(uncompressed, raw, limits);
        LayerStreams.Tar uncompressedTar = tar;
        reading.entries(new BoundedTarInputStream(tar), () -> uncompressedTar.read() == -1);
        tar.drain(); // the diffID is of the whole stream, the tar's end and padding included
        raw.drain();
        reading.tree.finish();
      } catch (IOException | IllegalArgumentException e) {
        if (raw.sourceFailure().isPresent()) {
          throw raw.sourceFailure().get();
        }
        // only reading throws these: writing goes through RootedDir, which throws LinuxException
        throw refused(
            expected, "it is not a valid " + type.text() + " (" + e.getMessage() + ")", e);
      } catch (InvalidLayerException e) {
        throw refused(expected, e.getMessage(), e);
      }
      if (raw.sourceFailure().isPresent()) {
        throw raw.sourceFailure().get(); // swallowed by the gzip reader as an end of stream
      }
      Digest digest = raw.digest();
      if (!digest.equals(expected)) {
        throw refused(
            expected,
            "its blob's digest is "
                + digest
                + ", not the one its manifest names ("
                + expected
                + ")");
      }
      if (reading.skipped > 0) {
        log.warn(
            "layer {}: skipped {} device or FIFO entries; the layer store never makes them",
            expected.shortHex(),
            reading.skipped);
      }
      return new UnpackedLayer(
          digest, tar.digest(), raw.bytes, reading.written, reading.count, reading.skipped);
    }
  }

  private static InvalidLayerException refused(Digest layer, String why, Throwable cause) {
    return new InvalidLayerException("layer " + layer + " is refused: " + why, cause);
  }

  private static InvalidLayerException refused(Digest layer, String why) {
    return new InvalidLayerException("layer " + layer + " is refused: " + why);
  }

  /** A condition whose test reads. */
  @FunctionalInterface
  interface IoCondition {
    boolean test() throws IOException;
  }

  /** One layer's reading: its entries, written bytes and skipped entries. */
  private final class Reading {
    private final Digest layer;
    private final LayerTree tree;
    private final byte[] buffer = new byte[64 * 1024];
    private long written;
    private int count;
    private int skipped;

    Reading(Digest layer, LayerTree tree) {
      this.layer = layer;
      this.tree = tree;
    }

    /**
     * Reads every entry. A tar that ends right after its last entry's content, without the padding
     * of that content to 512 bytes and the two zero blocks that end an archive, is taken as ended
     * there: {@code umoci insert} writes such layers, and other engines unpack them. Nothing is
     * guessed: every entry's content was read whole (a cut inside content fails while it is read),
     * no byte follows ({@code atEnd}), and the diffID is of the bytes as they are.
     */
    void entries(TarArchiveInputStream tar, IoCondition atEnd) throws IOException {
      TarArchiveEntry entry;
      while ((entry = nextEntry(tar, atEnd)) != null) {
        if (++count > limits.maxEntries()) {
          throw new InvalidLayerException("it has more than " + limits.maxEntries() + " entries");
        }
        try {
          entry(tar, entry);
        } catch (LinuxException e) {
          if (!e.isPathRefused()) {
            throw e; // not the layer's doing: a full disk, an I/O error, no root
          }
          throw LayerTree.refuse(entry.getName(), "could not be unpacked: " + e.getMessage());
        }
      }
    }

    private TarArchiveEntry nextEntry(TarArchiveInputStream tar, IoCondition atEnd)
        throws IOException {
      try {
        return tar.getNextEntry();
      } catch (IOException e) {
        if (count > 0 && "Truncated TAR archive".equals(e.getMessage()) && atEnd.test()) {
          log.debug("layer {}: its tar ends without end-of-archive blocks", layer.shortHex());
          return null;
        }
        throw e;
      }
    }

    private void entry(TarArchiveInputStream tar, TarArchiveEntry entry) throws IOException {
      String name = entry.getName();
      EntryPath path = EntryPath.parse(name, name, "name", limits.maxPathBytes());
      if (path.isRoot()) {
        return; // "./": the layer's root keeps its own mode, overlayfs takes the upper's
      }
      boolean marker = path.name().startsWith(EntryPath.WHITEOUT_PREFIX); // whatever its type
      if (!marker && (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO())) {
        skip(name);
        return;
      }
      tree.ensureParents(name, path);
      if (marker) {
        whiteout(name, path);
      } else if (entry.isDirectory()) {
        tree.directory(path, entry.getMode() & 01777, time(entry));
      } else if (entry.isSymbolicLink()) {
        String target = entry.getLinkName();
        if (target.getBytes(StandardCharsets.UTF_8).length > maxPathBytes()) {
          throw LayerTree.refuse(name, "has a link target over " + maxPathBytes() + " bytes");
        }
        tree.symlink(name, path, target, time(entry));
      } else if (entry.isLink()) {
        String source = entry.getLinkName();
        tree.hardLink(name, path, EntryPath.parse(name, source, "link target", maxPathBytes()));
      } else if (isRegularFile(entry)) {
        try (OutputStream out = tree.file(path, entry.getMode() & 0777)) {
          copy(tar, out, name);
        }
        tree.setTime(path, time(entry));
      } else {
        throw LayerTree.refuse(
            name, "has the tar entry type '" + (char) entry.getLinkFlag() + "', not unpacked");
      }
    }

    private void whiteout(String name, EntryPath marker) {
      if (marker.name().equals(EntryPath.OPAQUE_MARKER)) {
        tree.opaque(name, marker.parent());
        return;
      }
      String hidden = marker.name().substring(EntryPath.WHITEOUT_PREFIX.length());
      if (hidden.isEmpty()
          || hidden.equals(".")
          || hidden.equals("..")
          || hidden.startsWith(EntryPath.WHITEOUT_PREFIX)) {
        throw LayerTree.refuse(
            name,
            "is no valid whiteout: '"
                + hidden
                + "' is not a name a layer can hide (names beginning with "
                + EntryPath.WHITEOUT_PREFIX
                + " are whiteouts, never files)");
      }
      tree.whiteout(marker.withName(hidden));
    }

    private void skip(String name) {
      if (++skipped <= WARNED_SKIPS) {
        log.warn(
            "layer {}: entry '{}' skipped: a device or FIFO, which the layer store never makes",
            layer.shortHex(),
            name);
      }
    }

    private void copy(InputStream in, OutputStream out, String name) throws IOException {
      int n;
      while ((n = in.read(buffer)) > 0) {
        written += n;
        if (written > limits.maxUnpackedBytes()) {
          throw LayerTree.refuse(
              name, "takes the layer's files over " + limits.maxUnpackedBytes() + " bytes");
        }
        out.write(buffer, 0, n);
      }
    }

    private int maxPathBytes() {
      return limits.maxPathBytes();
    }
  }

  private static boolean isRegularFile(TarArchiveEntry entry) {
    byte flag = entry.getLinkFlag();
    return flag == TarConstants.LF_NORMAL
        || flag == TarConstants.LF_OLDNORM
        || flag == TarConstants.LF_CONTIG;
  }

  private static Instant time(TarArchiveEntry entry) {
    return entry.getLastModifiedTime().toInstant();
  }
}
