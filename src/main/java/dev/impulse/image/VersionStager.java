package dev.impulse.image;

import dev.impulse.linux.RootedDir;
import dev.impulse.linux.RootedDir.FileType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;

/**
 * Turns an upload into a version directory in staging, ready to be moved into place: spools the
 * archive (hashing it, and refusing it past the size limit), unpacks it aside with {@link
 * FunctionArchive}, moves the guest to {@code layer}{@value FunctionStore#GUEST_DIR}, and writes
 * its {@link FunctionMetadata}. Holds only its limits and clock; thread-safe.
 */
final class VersionStager {
  private final long maxArchiveBytes;
  private final long maxUnpackedBytes;
  private final InstantSource clock;

  /**
   * A staged version.
   *
   * @param version the version directory in staging: {@code layer/} and {@code function.json}
   * @param metadata what its {@code function.json} says
   */
  record Staged(Path version, FunctionMetadata metadata) {}

  VersionStager(long maxArchiveBytes, long maxUnpackedBytes, InstantSource clock) {
    this.maxArchiveBytes = maxArchiveBytes;
    this.maxUnpackedBytes = maxUnpackedBytes;
    this.clock = clock;
  }

  /** Stages the archive read from {@code body} inside {@code work}, an empty staging directory. */
  Staged stage(InputStream body, Path work) throws IOException {
    Path archive = work.resolve("archive");
    long[] size = new long[1];
    String digest = spool(body, archive, size);
    Path unpacked = Files.createDirectories(work.resolve("unpacked"));
    try (InputStream in = Files.newInputStream(archive)) {
      FunctionArchive.extract(in, unpacked.toAbsolutePath(), maxUnpackedBytes);
    }
    Path version = work.resolve("version");
    Path target = FunctionRecovery.guest(version);
    Files.createDirectories(target.getParent());
    Files.move(functionRoot(unpacked), target);
    FunctionMetadata metadata = new FunctionMetadata(digest, size[0], clock.millis());
    metadata.write(version); // before the move into place: a version in place says what it is
    return new Staged(version, metadata);
  }

  /**
   * The guest's directory inside what was unpacked: the archive's root when it holds a guest of any
   * language ({@link Language#isGuest}: {@code main.py}, {@code index.js}, a jar, an executable
   * {@code skyhook}), or its single top-level directory when that one does ({@code tar czf f.tgz
   * myfunc/}). Asked through a {@link RootedDir}: an entry may be a link, but only to a file
   * inside. Which language it is decides nothing here: a chamber's runtime checks its own.
   */
  private static Path functionRoot(Path unpacked) {
    try (RootedDir root = RootedDir.open(unpacked)) {
      if (Language.anyGuest(root, "")) {
        return unpacked;
      }
      List<String> top = root.list(".");
      if (top.size() == 1
          && root.stat(top.getFirst()).map(s -> s.type() == FileType.DIRECTORY).orElse(false)
          && Language.anyGuest(root, top.getFirst())) {
        Path guest = unpacked.resolve(top.getFirst());
        // its links were checked against the archive's root; the guest's own root is one lower
        try (RootedDir guestRoot = RootedDir.open(guest)) {
          new LinkCheck(guestRoot, top.getFirst() + "/").requireAllInside();
        }
        return guest;
      }
    }
    throw new InvalidArchiveException(
        "the archive holds no function at its top (nor in a single top-level directory): a"
            + " function is a directory with main.py defining skyhook(request, meta) (Python),"
            + " index.js exporting it (Node.js), a jar whose manifest names a Skyhook-Function"
            + " class (Java), or an executable named skyhook serving HTTP on SKYHOOK_PORT (binary)");
  }

  private String spool(InputStream body, Path archive, long[] size) throws IOException {
    MessageDigest sha256 = TreeDigest.sha256();
    try (OutputStream out = new DigestOutputStream(Files.newOutputStream(archive), sha256)) {
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = body.read(buffer)) > 0) {
        size[0] += n;
        if (size[0] > maxArchiveBytes) {
          throw new FunctionTooLargeException(maxArchiveBytes);
        }
        out.write(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha256.digest());
  }
}
