package dev.impulse.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.impulse.linux.RootedDir.FileType;
import dev.impulse.linux.RootedDir.Resolution;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class RootedDirTest {
  @TempDir Path tmp;
  private Path rootPath;
  private Path canary;
  private RootedDir root;

  @BeforeEach
  void setUp() throws IOException {
    rootPath = Files.createDirectory(tmp.resolve("root"));
    canary = Files.createDirectory(tmp.resolve("outside")).resolve("canary");
    Files.writeString(canary, "secret");
    root = RootedDir.open(rootPath);
  }

  @AfterEach
  void tearDown() throws IOException {
    root.close();
    assertThat(canary).hasContent("secret");
    assertThat(Files.getAttribute(canary, "unix:nlink")).isEqualTo(1);
    try (var outside = Files.list(canary.getParent())) {
      assertThat(outside).containsExactly(canary);
    }
  }

  @Test
  void createsFilesDirectoriesAndLinksInsideTheRoot() throws IOException {
    root.makeDirectory("lib", 0755);
    try (OutputStream out = root.createFile("lib/util.py", 0644)) {
      out.write("X = 1\n".getBytes(StandardCharsets.UTF_8));
    }
    root.symlink("alias.py", "lib/util.py");
    root.link("copy.py", "lib/util.py");

    assertThat(rootPath.resolve("lib/util.py")).hasContent("X = 1");
    assertThat(Files.readSymbolicLink(rootPath.resolve("alias.py"))).hasToString("lib/util.py");
    assertThat(root.readLink("alias.py")).isEqualTo("lib/util.py");
    assertThat(root.stat("copy.py").orElseThrow().links()).isEqualTo(2);
    assertThat(root.stat("alias.py").orElseThrow().type()).isEqualTo(FileType.SYMLINK);
    assertThat(root.stat("lib").orElseThrow().type()).isEqualTo(FileType.DIRECTORY);
    assertThat(root.stat("missing")).isEmpty();
    assertThat(root.list(".")).containsExactly("alias.py", "copy.py", "lib");
    try (InputStream in = root.openFile("copy.py")) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("X = 1\n");
    }

    root.delete("alias.py");
    root.delete("copy.py");
    root.delete("lib/util.py");
    root.delete("lib");
    assertThat(root.list(".")).isEmpty();
  }

  @Test
  void modesAreExactAndNeverKeepSetIdBits() throws IOException {
    root.createFile("run.sh", 04755).close();
    root.makeDirectory("d", 02777);
    assertThat(root.stat("run.sh").orElseThrow().permissions()).isEqualTo(0755);
    assertThat(root.stat("d").orElseThrow().permissions()).isEqualTo(0777);
    root.makeDirectory("d", 0755);
    assertThat(root.stat("d").orElseThrow().permissions())
        .as("an existing directory is taken and given the mode")
        .isEqualTo(0755);
  }

  @Test
  void onlyADirectoryKeepsTheStickyBit() throws IOException {
    root.makeDirectory("tmp", 01777);
    root.createFile("f", 01755).close();
    assertThat(root.stat("tmp").orElseThrow().permissions()).isEqualTo(01777);
    assertThat(root.stat("f").orElseThrow().permissions()).isEqualTo(0755);
  }

  @Test
  void aWhiteoutIsACharacterDeviceZeroZero() throws IOException {
    assumeTrue(Processes.isRoot(), "mknod needs root");
    root.makeDirectory("d", 0755);
    root.makeWhiteout("d/gone");
    Path gone = rootPath.resolve("d/gone");
    assertThat(root.stat("d/gone").orElseThrow().type()).isEqualTo(FileType.OTHER);
    assertThat((int) Files.getAttribute(gone, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000)
        .as("S_IFCHR")
        .isEqualTo(0020000);
    assertThat(Files.getAttribute(gone, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0L);
  }

  @Test
  void extendedAttributesAreSetAndReadOnTheFileItself() throws IOException {
    assumeTrue(Processes.isRoot(), "trusted.* attributes need CAP_SYS_ADMIN");
    root.makeDirectory("d", 0755);
    assertThat(root.xattr("d", "trusted.overlay.opaque")).isEmpty();
    root.setXattr("d", "trusted.overlay.opaque", new byte[] {'y'});
    assertThat(root.xattr("d", "trusted.overlay.opaque"))
        .hasValueSatisfying(v -> assertThat(v).containsExactly('y'));
    Files.createSymbolicLink(rootPath.resolve("l"), Path.of("d"));
    assertRefused(() -> root.setXattr("l", "trusted.overlay.opaque", new byte[] {'y'}));
    assertRefused(() -> root.setXattr("l/x", "trusted.overlay.opaque", new byte[] {'y'}));
  }

  @Test
  void aModifiedTimeIsSetOnALinkItselfNotOnWhatItLeadsTo() throws IOException {
    Files.createSymbolicLink(rootPath.resolve("l"), Path.of("../outside/canary"));
    FileTime canaryTime = Files.getLastModifiedTime(canary);
    root.setModifiedTime("l", Instant.ofEpochSecond(1_000_000_000, 5));
    assertThat(Files.getLastModifiedTime(rootPath.resolve("l"), LinkOption.NOFOLLOW_LINKS))
        .isEqualTo(FileTime.from(Instant.ofEpochSecond(1_000_000_000, 5)));
    assertThat(Files.getLastModifiedTime(canary)).isEqualTo(canaryTime);
  }

  @Test
  void noOperationPassesThroughASymbolicLinkInAParent() throws IOException {
    Files.createSymbolicLink(rootPath.resolve("out"), Path.of("../outside"));
    Files.createDirectory(rootPath.resolve("real"));
    Files.createSymbolicLink(rootPath.resolve("inner"), Path.of("real"));

    for (String dir : new String[] {"out", "inner"}) {
      assertRefused(() -> root.createFile(dir + "/canary2", 0644).close());
      assertRefused(() -> root.makeDirectory(dir + "/d", 0755));
      assertRefused(() -> root.stat(dir + "/canary"));
      assertRefused(() -> root.link("h", dir + "/canary"));
      assertRefused(() -> root.link(dir + "/h", "x"));
      assertRefused(() -> root.symlink(dir + "/l", "x"));
      assertRefused(() -> root.delete(dir + "/canary"));
      assertRefused(() -> root.openFile(dir + "/canary").close());
      assertRefused(() -> root.readLink(dir + "/canary"));
      assertRefused(() -> root.list(dir));
      assertRefused(() -> root.makeWhiteout(dir + "/w"));
      assertRefused(() -> root.setModifiedTime(dir + "/canary", Instant.EPOCH));
    }
    assertThat(root.list("real")).isEmpty();
  }

  @Test
  void anExistingLinkIsNeverWrittenThroughNorOpened() throws IOException {
    Files.createSymbolicLink(rootPath.resolve("l"), Path.of("../outside/canary"));
    assertThatThrownBy(() -> root.createFile("l", 0644))
        .isInstanceOf(LinuxException.class)
        .hasMessageContaining("openat2(l)");
    assertRefused(() -> root.openFile("l").close());
    assertRefused(() -> root.makeDirectory("l", 0755));
  }

  @Test
  void aHardLinkToASymbolicLinkLinksTheLinkNotItsTarget() throws IOException {
    Files.createSymbolicLink(rootPath.resolve("l"), Path.of("../outside/canary"));
    root.link("h", "l");
    assertThat(root.stat("h").orElseThrow().type()).isEqualTo(FileType.SYMLINK);
    assertThat(Files.isSymbolicLink(rootPath.resolve("h"))).isTrue();
  }

  @Test
  void followingLinksStopsAtTheRoot() throws IOException {
    Files.createDirectory(rootPath.resolve("dir"));
    Files.writeString(rootPath.resolve("dir/f"), "x");
    Files.createSymbolicLink(rootPath.resolve("s"), Path.of("."));
    Files.createSymbolicLink(rootPath.resolve("u"), Path.of("s/s/s/s/../../../.."));
    Files.createSymbolicLink(rootPath.resolve("abs"), rootPath.resolve("dir/f"));
    Files.createSymbolicLink(rootPath.resolve("inside"), Path.of("s/dir/./f"));
    Files.createSymbolicLink(rootPath.resolve("a"), Path.of("b"));
    Files.createSymbolicLink(rootPath.resolve("b"), Path.of("a"));
    Files.createSymbolicLink(rootPath.resolve("dangling"), Path.of("nothing"));

    assertThat(root.follow("inside")).isEqualTo(Resolution.FILE);
    assertThat(root.follow("s")).isEqualTo(Resolution.DIRECTORY);
    assertThat(root.follow("u")).isEqualTo(Resolution.LEAVES_ROOT);
    assertThat(root.follow("u/outside/canary")).isEqualTo(Resolution.LEAVES_ROOT);
    assertThat(root.follow("abs")).isEqualTo(Resolution.LEAVES_ROOT);
    assertThat(root.follow("a")).isEqualTo(Resolution.LOOP);
    assertThat(root.follow("dangling")).isEqualTo(Resolution.MISSING);
    assertThat(root.follow("dir/f/x")).isEqualTo(Resolution.MISSING);
  }

  @Test
  void followingAsRootResolvesAbsoluteLinksAgainstTheRootNeverTheHost() throws IOException {
    Files.createDirectories(rootPath.resolve("usr/bin"));
    Files.writeString(rootPath.resolve("usr/bin/python3.11"), "x");
    Files.createDirectories(rootPath.resolve("usr/local/bin"));
    Files.createSymbolicLink(
        rootPath.resolve("usr/local/bin/python3"), Path.of("/usr/bin/python3.11"));
    Files.createSymbolicLink(rootPath.resolve("host"), Path.of("/etc/hostname"));
    Files.createSymbolicLink(rootPath.resolve("up"), Path.of("../../../../etc/hostname"));

    assertThat(root.follow("usr/local/bin/python3")).isEqualTo(Resolution.LEAVES_ROOT);
    assertThat(root.followAsRoot("usr/local/bin/python3")).isEqualTo(Resolution.FILE);
    // the host's /etc/hostname exists; inside this root it does not
    assertThat(root.followAsRoot("host")).isEqualTo(Resolution.MISSING);
    assertThat(root.followAsRoot("up")).isEqualTo(Resolution.MISSING);
  }

  @Test
  void pathsThatAreNotPlainRelativeNamesAreRefusedBeforeAnyCall() {
    for (String bad : new String[] {"", "/etc", "a/../b", "..", "a//b", "a/", "./a", "a\0b"}) {
      assertThatThrownBy(() -> root.stat(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not a plain relative path");
    }
  }

  @Test
  void aClosedRootIsNeverUsedAgain() {
    root.close();
    assertThatThrownBy(() -> root.stat("x"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is closed");
  }

  private static void assertRefused(Executable operation) {
    try {
      operation.execute();
    } catch (LinuxException e) {
      // ELOOP for a link on the way; ENOTDIR when O_DIRECTORY meets a final link
      assertThat(e.isPathRefused()).as(e.getMessage()).isTrue();
      return;
    } catch (Throwable t) {
      throw new AssertionError("expected the kernel to refuse the path, got " + t, t);
    }
    throw new AssertionError("the operation passed through a symbolic link");
  }
}
