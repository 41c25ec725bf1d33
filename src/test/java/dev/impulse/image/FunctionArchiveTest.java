package dev.impulse.image;

import static dev.impulse.testing.Tars.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FunctionArchiveTest {
  @TempDir Path root;

  private void extract(byte[] archive) throws IOException {
    FunctionArchive.extract(new ByteArrayInputStream(archive), root.toRealPath(), 1 << 20);
  }

  @Test
  void unpacksFilesDirectoriesAndInnerLinks() throws IOException {
    extract(
        tar()
            .file("./main.py", "def skyhook(r, m): return r\n")
            .dir("lib")
            .file("lib/util.py", "X = 1\n")
            .file("run.sh", "#!/bin/sh\n", 04755)
            .symlink("lib/alias.py", "util.py")
            .hardlink("copy.py", "lib/util.py")
            .bytes());
    assertThat(root.resolve("main.py")).hasContent("def skyhook(r, m): return r");
    assertThat(Files.readSymbolicLink(root.resolve("lib/alias.py"))).isEqualTo(Path.of("util.py"));
    assertThat(root.resolve("copy.py")).hasContent("X = 1");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("run.sh"))))
        .as("set-uid is dropped, execute kept")
        .isEqualTo("rwxr-xr-x");
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("main.py"))))
        .isEqualTo("rw-r--r--");
  }

  @Test
  void readsGzippedArchives() throws IOException {
    extract(tar().file("main.py", "x = 1\n").gzipped());
    assertThat(root.resolve("main.py")).exists();
  }

  @Test
  void tarWithAbsolutePathIsRejected() {
    assertThatThrownBy(() -> extract(tar().file("/etc/cron.d/evil", "x").bytes()))
        .isInstanceOf(InvalidArchiveException.class)
        .hasMessageContaining("'/etc/cron.d/evil' is refused: it has an absolute path");
  }

  @Test
  void tarWithParentPathIsRejected() {
    assertThatThrownBy(() -> extract(tar().file("a/../../evil", "x").bytes()))
        .isInstanceOf(InvalidArchiveException.class)
        .hasMessageContaining("contains '..'");
    assertThat(root.getParent().resolve("evil")).doesNotExist();
  }

  @Test
  void symlinkLeavingTheDirectoryIsRejected() {
    assertThatThrownBy(() -> extract(tar().symlink("escape", "../../etc/passwd").bytes()))
        .hasMessageContaining("symbolic link leaving the function's directory");
    assertThatThrownBy(() -> extract(tar().symlink("abs", "/etc/passwd").bytes()))
        .hasMessageContaining("symbolic link to an absolute path");
  }

  @Test
  void symlinksChainedToEscapeAreRejected() {
    // Each link's text stays inside; followed for real, the second leads out.
    assertThatThrownBy(() ->
            extract(
                tar()
                    .dir("x/y")
                    .symlink("x/y/d", "../../z")
                    .dir("z")
                    .symlink("x/y/e", "d/../..")
                    .bytes()))
        .isInstanceOf(InvalidArchiveException.class)
        .hasMessageContaining("leaving the function's directory");
  }

  @Test
  void writingThroughASymlinkedDirectoryIsRejected() {
    assertThatThrownBy(
            () -> extract(tar().dir("real").symlink("link", "real").file("link/f", "x").bytes()))
        .hasMessageContaining("passes through the symbolic link link");
  }

  @Test
  void hardLinkToSomethingOutsideIsRejected() {
    assertThatThrownBy(() -> extract(tar().hardlink("h", "../../etc/shadow").bytes()))
        .hasMessageContaining("contains '..'");
    assertThatThrownBy(() -> extract(tar().hardlink("h", "missing").bytes()))
        .hasMessageContaining("not an earlier file of the archive");
  }

  @Test
  void deviceFilesAndFifosAreRejected() {
    assertThatThrownBy(() -> extract(tar().charDevice("null").bytes()))
        .hasMessageContaining("device file or FIFO");
    assertThatThrownBy(() -> extract(tar().fifo("pipe").bytes()))
        .hasMessageContaining("device file or FIFO");
  }

  @Test
  void archivesUnpackingBeyondTheLimitAreRejected() {
    byte[] big = tar().file("big", "x".repeat(2 << 20)).gzipped();
    assertThatThrownBy(() -> extract(big)).hasMessageContaining("unpacks to more than");
  }

  @Test
  void emptyAndCorruptUploadsAreRejected() {
    assertThatThrownBy(() -> extract(new byte[0])).hasMessageContaining("the archive is empty");
    assertThatThrownBy(() -> extract("this is not a tar".repeat(50).getBytes()))
        .isInstanceOf(InvalidArchiveException.class);
    assertThatThrownBy(() -> extract(new byte[] {0x1f, (byte) 0x8b, 1, 2, 3}))
        .isInstanceOf(InvalidArchiveException.class)
        .hasMessageContaining("not a valid tar or tar.gz");
  }

  @Test
  void refusedArchivesNeverWriteOutsideTheRoot() throws IOException {
    try {
      extract(tar().file("ok", "x").symlink("l", "..").file("l/evil", "x").bytes());
    } catch (InvalidArchiveException expected) {
      // refused
    }
    assertThat(root.getParent().resolve("evil")).doesNotExist();
    assertThat(Files.exists(root.resolve("l/evil"), LinkOption.NOFOLLOW_LINKS)).isFalse();
  }
}
