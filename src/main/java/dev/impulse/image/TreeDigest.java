package dev.impulse.image;

import dev.impulse.linux.RootedDir;
import dev.impulse.linux.RootedDir.FileStat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/**
 * A digest of a guest's files, for versions whose archive digest is lost (stored by an impulse that
 * wrote no {@link FunctionMetadata}): SHA-256 over the sorted relative paths, each with its type,
 * permission bits, and link target or the SHA-256 of its content, every field length-prefixed. The
 * same tree always gives the same digest. It is prefixed {@value #PREFIX} so it is never taken for
 * an archive's digest (an upload of the same files is then a conflict, not a match: impulse cannot
 * tell they are the same). The tree is read through a {@link RootedDir}: no link is followed.
 * Stateless.
 */
final class TreeDigest {
  static final String PREFIX = "tree-sha256:";

  private TreeDigest() {}

  static String of(Path dir) throws IOException {
    try (RootedDir root = RootedDir.open(dir)) {
      List<String> paths = new ArrayList<>();
      collect(root, ".", paths);
      Collections.sort(paths);
      MessageDigest tree = sha256();
      for (String path : paths) {
        FileStat stat =
            root.stat(path)
                .orElseThrow(() -> new IOException(path + " vanished while " + dir + " was read"));
        field(tree, path);
        field(tree, stat.type().name());
        field(tree, Integer.toOctalString(stat.permissions()));
        switch (stat.type()) {
          case SYMLINK -> field(tree, root.readLink(path));
          case FILE -> field(tree, contentDigest(root, path));
          default -> {}
        }
      }
      return PREFIX + HexFormat.of().formatHex(tree.digest());
    }
  }

  private static void collect(RootedDir root, String dir, List<String> paths) {
    for (String name : root.list(dir)) {
      String path = dir.equals(".") ? name : dir + "/" + name;
      paths.add(path);
      if (root.stat(path).map(s -> s.type() == RootedDir.FileType.DIRECTORY).orElse(false)) {
        collect(root, path, paths);
      }
    }
  }

  private static String contentDigest(RootedDir root, String path) throws IOException {
    MessageDigest content = sha256();
    try (InputStream in = root.openFile(path)) {
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = in.read(buffer)) > 0) {
        content.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(content.digest());
  }

  private static void field(MessageDigest digest, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
    digest.update(bytes);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
