package dev.impulse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FunctionPackerTest {
  @TempDir Path tmp;

  /** An entry as the test reads it back: type and mode, then content or link target. */
  private record Entry(String kind, int mode, String content) {}

  private Path function() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("fn"));
    Files.writeString(dir.resolve("main.py"), "def skyhook(request, meta):\n    return 1\n");
    Files.createDirectories(dir.resolve("lib/deep"));
    Files.writeString(dir.resolve("lib/deep/helper.py"), "X = 1\n");
    Path tool = Files.writeString(dir.resolve("lib/tool.sh"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-x---"));
    return dir;
  }

  private static Map<String, Entry> unpack(byte[] archive) throws IOException {
    Map<String, Entry> entries = new LinkedHashMap<>();
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(archive)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        String kind = entry.isDirectory() ? "dir" : entry.isSymbolicLink() ? "link" : "file";
        String content =
            entry.isSymbolicLink()
                ? entry.getLinkName()
                : new String(tar.readAllBytes(), StandardCharsets.UTF_8);
        entries.put(entry.getName(), new Entry(kind, entry.getMode() & 07777, content));
        assertThat(entry.getModTime().toInstant()).isEqualTo(FunctionPacker.TIME.toInstant());
        assertThat(entry.getLongUserId()).isZero();
        assertThat(entry.getUserName()).isEmpty();
      }
    }
    return entries;
  }

  private static byte[] pack(Path dir, long max) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    FunctionPacker.Packed packed = FunctionPacker.pack(dir, out, max);
    assertThat(packed.archiveBytes()).isEqualTo(out.size());
    return out.toByteArray();
  }

  @Test
  void packsFilesAndDirectoriesSortedWithTheirContentAtTheTopAndNormalisedModes()
      throws IOException {
    Map<String, Entry> entries = unpack(pack(function(), 1 << 20));
    assertThat(entries.keySet())
        .containsExactly("lib/", "lib/deep/", "lib/deep/helper.py", "lib/tool.sh", "main.py");
    assertThat(entries.get("main.py"))
        .isEqualTo(new Entry("file", 0644, "def skyhook(request, meta):\n    return 1\n"));
    assertThat(entries.get("lib/tool.sh")).isEqualTo(new Entry("file", 0755, "#!/bin/sh\n"));
    assertThat(entries.get("lib/deep/")).isEqualTo(new Entry("dir", 0755, ""));
  }

  @Test
  void theSameFilesGiveTheSameBytesWhateverTheirTimes() throws IOException {
    Path dir = function();
    byte[] first = pack(dir, 1 << 20);
    Files.setLastModifiedTime(dir.resolve("main.py"), FileTime.fromMillis(1_000_000));
    assertThat(pack(dir, 1 << 20)).isEqualTo(first);
    Files.writeString(dir.resolve("main.py"), "changed\n");
    assertThat(pack(dir, 1 << 20)).isNotEqualTo(first);
  }

  @Test
  void aSymbolicLinkInsideIsKeptAsARelativeLinkToWhatItLeadsTo() throws IOException {
    Path dir = function();
    Files.createSymbolicLink(dir.resolve("lib/deep/up"), Path.of("../tool.sh"));
    Files.createSymbolicLink(dir.resolve("absolute"), dir.resolve("lib/deep/helper.py"));
    Files.createSymbolicLink(dir.resolve("lib/self"), Path.of(".."));
    Map<String, Entry> entries = unpack(pack(dir, 1 << 20));
    assertThat(entries.get("lib/deep/up")).isEqualTo(new Entry("link", 0777, "../tool.sh"));
    assertThat(entries.get("absolute")).isEqualTo(new Entry("link", 0777, "lib/deep/helper.py"));
    assertThat(entries.get("lib/self")).isEqualTo(new Entry("link", 0777, ".."));
  }

  @Test
  void aSymbolicLinkToAnAbsolutePathOutsideIsRefusedWithItsName() throws IOException {
    Path dir = function();
    Files.createSymbolicLink(dir.resolve("lib/passwd"), Path.of("/etc/passwd"));
    assertThatThrownBy(() -> pack(dir, 1 << 20))
        .isInstanceOf(FunctionDirException.class)
        .hasMessageContaining("'lib/passwd'")
        .hasMessageContaining("leading outside")
        .hasMessageContaining("/etc/passwd");
  }

  @Test
  void aRelativeSymbolicLinkClimbingOutIsRefused() throws IOException {
    Path dir = function();
    Files.writeString(tmp.resolve("secret"), "key");
    Files.createSymbolicLink(dir.resolve("secret"), Path.of("../secret"));
    assertThatThrownBy(() -> pack(dir, 1 << 20))
        .isInstanceOf(FunctionDirException.class)
        .hasMessageContaining("'secret'")
        .hasMessageContaining("leading outside");
  }

  @Test
  void aLinkWhoseTextStaysInsideButLeadsOutThroughAnotherLinkIsRefused() throws IOException {
    Path dir = function();
    Files.writeString(tmp.resolve("secret"), "key");
    Files.createSymbolicLink(dir.resolve("s"), Path.of("."));
    // "s/../secret" reads as "secret", but s is the directory itself, so s/.. is its parent
    Files.createSymbolicLink(dir.resolve("b"), Path.of("s/../secret"));
    assertThatThrownBy(() -> pack(dir, 1 << 20))
        .isInstanceOf(FunctionDirException.class)
        .hasMessageContaining("'b'")
        .hasMessageContaining("leading outside");
  }

  @Test
  void aSymbolicLinkToNothingIsRefused() throws IOException {
    Path dir = function();
    Files.createSymbolicLink(dir.resolve("gone"), Path.of("missing.py"));
    assertThatThrownBy(() -> pack(dir, 1 << 20))
        .isInstanceOf(FunctionDirException.class)
        .hasMessageContaining("'gone'")
        .hasMessageContaining("to nothing");
  }

  @Test
  void aDirectoryThatIsItselfALinkIsPackedFromWhereItLeads() throws IOException {
    Path real = function();
    Path link = Files.createSymbolicLink(tmp.resolve("current"), real);
    assertThat(unpack(pack(link, 1 << 20))).containsKey("main.py");
  }

  @Test
  void anArchiveOverTheBoundIsRefusedNamingTheBound() throws IOException {
    Path dir = function();
    byte[] noise = new byte[256 * 1024];
    new Random(1).nextBytes(noise); // incompressible
    Files.write(dir.resolve("blob.bin"), noise);
    assertThatThrownBy(() -> pack(dir, 128 * 1024))
        .isInstanceOf(FunctionDirException.class)
        .hasMessageContaining("packs to more than 131072 bytes")
        .hasMessageContaining("--max-function-bytes");
    assertThat(unpack(pack(dir, 1 << 20))).containsKey("blob.bin");
  }

  @Test
  void filesUnpackingToMoreThanTheDaemonUnpacksAreRefusedBeforeTheyAreRead() throws IOException {
    Path dir = function();
    Files.write(dir.resolve("zeros.bin"), new byte[9 * 1024]); // compresses to almost nothing
    assertThatThrownBy(() -> pack(dir, 1024))
        .isInstanceOf(FunctionDirException.class)
        .hasMessageContaining("more than 8192 bytes of files")
        .hasMessageContaining("zeros.bin");
  }

  @Test
  void anEmptyDirectoryOrAFileIsRefused() throws IOException {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertThatThrownBy(() -> pack(empty, 1024)).hasMessageContaining("is empty");
    Path file = Files.writeString(tmp.resolve("main.py"), "x");
    assertThatThrownBy(() -> pack(file, 1024)).hasMessageContaining("is not a directory");
    assertThatThrownBy(() -> pack(tmp.resolve("nowhere"), 1024))
        .isInstanceOf(FunctionDirException.class)
        .hasMessageContaining("cannot read");
  }

  @Test
  void aFifoIsRefused() throws Exception {
    Path dir = function();
    Process mkfifo = new ProcessBuilder("mkfifo", dir.resolve("pipe").toString()).start();
    assertThat(mkfifo.waitFor()).isZero();
    assertThatThrownBy(() -> pack(dir, 1 << 20))
        .isInstanceOf(FunctionDirException.class)
        .hasMessageContaining("'pipe'")
        .hasMessageContaining("is not a regular file, directory or symbolic link");
  }
}
