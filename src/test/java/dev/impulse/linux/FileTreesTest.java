package dev.impulse.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deleting what a tenant left: trees deeper than a path can name, links (never followed), and mount
 * points (never crossed).
 */
class FileTreesTest {
  private static final long PATH_DIR =
      LibcFiles.O_PATH | LibcFiles.O_DIRECTORY | LibcFiles.O_NOFOLLOW | LibcFiles.O_CLOEXEC;
  private static final long FILE_FLAGS =
      LibcFiles.O_CREAT | LibcFiles.O_EXCL | LibcFiles.O_WRONLY | LibcFiles.O_CLOEXEC;

  @TempDir Path tmp;

  @Test
  void aTreeDeeperThanAnyPathCanNameIsDeleted() throws IOException {
    Path root = Files.createDirectory(tmp.resolve("upper"));
    // What a tenant makes with mkdir and chdir in a loop: 2000 × 11 bytes, over PATH_MAX (4096).
    int dir = LibcFiles.openat2(LibcFiles.AT_FDCWD, root.toString(), PATH_DIR, 0, 0);
    try {
      for (int depth = 0; depth < 2000; depth++) {
        LibcFiles.mkdirat(dir, "dddddddddd", 0755);
        LibcFiles.mkdirat(dir, "side" + depth % 3, 0755);
        Libc.close(LibcFiles.openat2(dir, "file", FILE_FLAGS, 0644, 0));
        int next = LibcFiles.openat2(dir, "dddddddddd", PATH_DIR, 0, 0);
        Libc.close(dir);
        dir = next;
      }
    } finally {
      Libc.close(dir);
    }

    FileTrees.deleteRecursively(root);

    assertThat(root).doesNotExist();
    assertThat(entries(tmp)).isEmpty();
  }

  @Test
  void linksAreRemovedNeverFollowed() throws IOException {
    Path outside = Files.createDirectory(tmp.resolve("outside"));
    Path canary = Files.writeString(outside.resolve("canary"), "secret");
    Path root = Files.createDirectories(tmp.resolve("root/a/b/c"));
    Files.createSymbolicLink(tmp.resolve("root/out"), outside);
    Files.createSymbolicLink(tmp.resolve("root/a/b/out"), outside);
    Files.createSymbolicLink(tmp.resolve("root/a/b/c/canary"), canary);
    Files.createLink(tmp.resolve("root/a/b/c/hard"), canary);
    Files.writeString(root.resolve("file"), "x");

    FileTrees.deleteRecursively(tmp.resolve("root"));

    assertThat(tmp.resolve("root")).doesNotExist();
    assertThat(canary).hasContent("secret");
    assertThat(Files.getAttribute(canary, "unix:nlink")).isEqualTo(1);
    assertThat(entries(outside)).containsExactly(canary);
  }

  @Test
  void aFileOrALinkIsDeletedAsItIsAndNothingIsNothing() throws IOException {
    Path file = Files.writeString(tmp.resolve("file"), "x");
    Path dir = Files.createDirectory(tmp.resolve("dir"));
    Path link = Files.createSymbolicLink(tmp.resolve("link"), dir);
    FileTrees.deleteRecursively(file);
    FileTrees.deleteRecursively(link);
    FileTrees.deleteRecursively(tmp.resolve("missing"));
    assertThat(entries(tmp)).containsExactly(dir);
  }

  @Test
  void aMountPointInsideIsNeverCrossed() throws IOException {
    for (String at : List.of("mnt", "a/mnt", "a/b/c/mnt")) {
      Path root = Files.createDirectory(tmp.resolve("root"));
      Path mount = Files.createDirectories(root.resolve(at));
      Mounts.mountSmallTmpfs(mount, 1 << 20);
      try {
        Files.writeString(mount.resolve("kept"), "x");

        assertThatThrownBy(() -> FileTrees.deleteRecursively(root))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("is a mount point; unmount it before deleting " + root);

        // It may have been moved up (under a new name) with what was above it: find it.
        List<Path> mounts = Mounts.mountPoints().stream().filter(p -> p.startsWith(root)).toList();
        assertThat(mounts).as(at).hasSize(1);
        assertThat(mounts.getFirst().resolve("kept")).as(at).hasContent("x");
        mount = mounts.getFirst();
      } finally {
        Mounts.unmount(mount);
      }
      FileTrees.deleteRecursively(root);
      assertThat(root).doesNotExist();
    }
  }

  private static List<Path> entries(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS)).toList();
    }
  }
}
