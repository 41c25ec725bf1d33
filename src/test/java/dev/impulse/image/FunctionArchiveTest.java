package dev.impulse.image;

import static dev.impulse.testing.Tars.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.impulse.linux.FileTrees;
import dev.impulse.testing.Tars;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an archive may do to the files around it. Hostile archives aim at a canary file in a sibling
 * of the extraction root (instead of the host's /etc/shadow): for each refused one, the refusal
 * names the entry, the canary keeps its content and its single link, and nothing appears outside.
 */
class FunctionArchiveTest {
  @TempDir Path tmp;
  private Path root;
  private Path canary;
  private Set<Path> outsideBefore;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectory(tmp.resolve("root")).toRealPath();
    canary = Files.createDirectory(tmp.resolve("outside")).toRealPath().resolve("canary");
    Files.writeString(canary, "secret");
    outsideBefore = outsideRoot();
  }

  @AfterEach
  void nothingOutsideTheRootChanged() throws IOException {
    assertThat(canary).hasContent("secret");
    assertThat(Files.getAttribute(canary, "unix:nlink")).as("links to the canary").isEqualTo(1);
    assertThat(outsideRoot()).as("files outside the root").isEqualTo(outsideBefore);
  }

  private Set<Path> outsideRoot() throws IOException {
    try (Stream<Path> walk = Files.walk(tmp)) {
      return walk.filter(p -> !p.startsWith(root)).collect(Collectors.toSet());
    }
  }

  private void extract(byte[] archive) throws IOException {
    FunctionArchive.extract(new ByteArrayInputStream(archive), root, 1 << 20);
  }

  /** Unpacks {@code archive} into an emptied root and expects it refused. */
  private void assertRefused(Tars archive, String entry, String why) throws IOException {
    FileTrees.deleteRecursively(root);
    Files.createDirectory(root);
    assertThatThrownBy(() -> extract(archive.bytes()))
        .isInstanceOf(InvalidArchiveException.class)
        .hasMessageContaining("archive entry '" + entry + "' is refused")
        .hasMessageContaining(why);
  }

  /** The canary's path from {@code levels} directories above the root (clamped at "/"). */
  private String canaryFromAbove(int levels) {
    Path from = root;
    for (int i = 0; i < levels && from.getParent() != null; i++) {
      from = from.getParent();
    }
    return from.relativize(canary).toString();
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
  void tarWithAbsolutePathIsRejected() throws IOException {
    assertThatThrownBy(() -> extract(tar().file("/etc/cron.d/evil", "x").bytes()))
        .isInstanceOf(InvalidArchiveException.class)
        .hasMessageContaining("'/etc/cron.d/evil' is refused: it has an absolute path");
  }

  @Test
  void tarWithParentPathIsRejected() throws IOException {
    assertThatThrownBy(() -> extract(tar().file("a/../../evil", "x").bytes()))
        .isInstanceOf(InvalidArchiveException.class)
        .hasMessageContaining("contains '..'");
    assertThat(root.getParent().resolve("evil")).doesNotExist();
  }

  @Test
  void symlinkLeavingTheDirectoryIsRejected() throws IOException {
    assertThatThrownBy(() -> extract(tar().symlink("escape", "../../etc/passwd").bytes()))
        .hasMessageContaining("symbolic link leaving the function's directory");
    assertThatThrownBy(() -> extract(tar().symlink("abs", "/etc/passwd").bytes()))
        .hasMessageContaining("symbolic link to an absolute path");
  }

  @Test
  void symlinksChainedToEscapeAreRejected() throws IOException {
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
  void writingThroughASymlinkedDirectoryIsRejected() throws IOException {
    assertThatThrownBy(
            () -> extract(tar().dir("real").symlink("link", "real").file("link/f", "x").bytes()))
        .hasMessageContaining("passes through the symbolic link link");
  }

  @Test
  void hardLinkToSomethingOutsideIsRejected() throws IOException {
    assertThatThrownBy(() -> extract(tar().hardlink("h", "../../etc/shadow").bytes()))
        .hasMessageContaining("contains '..'");
    assertThatThrownBy(() -> extract(tar().hardlink("h", "missing").bytes()))
        .hasMessageContaining("not an earlier file of the archive");
  }

  @Test
  void deviceFilesAndFifosAreRejected() throws IOException {
    assertThatThrownBy(() -> extract(tar().charDevice("null").bytes()))
        .hasMessageContaining("device file or FIFO");
    assertThatThrownBy(() -> extract(tar().fifo("pipe").bytes()))
        .hasMessageContaining("device file or FIFO");
  }

  @Test
  void archivesUnpackingBeyondTheLimitAreRejected() throws IOException {
    byte[] big = tar().file("big", "x".repeat(2 << 20)).gzipped();
    assertThatThrownBy(() -> extract(big)).hasMessageContaining("unpacks to more than");
  }

  @Test
  void emptyAndCorruptUploadsAreRejected() throws IOException {
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

  // ---- the incident: links that look inside and lead out ----

  @Test
  void theArchiveOfTheIncidentIsRefusedAndLinksNothing() throws IOException {
    Path shadow = Path.of("/etc/shadow");
    Object shadowLinks =
        Files.exists(shadow) ? Files.getAttribute(shadow, "unix:nlink") : "no /etc/shadow";
    assertRefused(
        tar()
            .symlink("s", ".")
            .symlink("u", "s/s/s/s/s/s/s/s/../../../../../../../..")
            .hardlink("canary", "u/etc/shadow")
            .file("u", "plain")
            .file("s", "plain"),
        "canary",
        "through the symbolic link u");
    assertThat(Files.exists(shadow) ? Files.getAttribute(shadow, "unix:nlink") : "no /etc/shadow")
        .isEqualTo(shadowLinks);
    assertThat(Files.exists(root.resolve("canary"), LinkOption.NOFOLLOW_LINKS)).isFalse();
  }

  @Test
  void theArchiveOfTheIncidentAimedAtTheCanaryIsRefused() throws IOException {
    assertRefused(
        tar()
            .symlink("s", ".")
            .symlink("u", "s/s/s/s/s/s/s/s/../../../../../../../..")
            .hardlink("canary", "u" + canary)
            .file("u", "plain")
            .file("s", "plain"),
        "canary",
        "through the symbolic link u");
  }

  @Test
  void aHardLinkThroughASymlinkedDirectoryIsRefusedAtEveryDepth() throws IOException {
    for (int depth = 0; depth <= 4; depth++) {
      String dirs = "d/".repeat(depth);
      // from dirs/, "../" * depth is the root, s is the root, and s/.. is really the root's parent
      Tars archive = tar().symlink("s", ".");
      if (depth > 0) {
        archive.dir(dirs);
      }
      archive
          .symlink(dirs + "esc", "../".repeat(depth) + "s/..")
          .hardlink("h", dirs + "esc/outside/canary");
      assertRefused(archive, "h", "through the symbolic link " + dirs + "esc");
    }
  }

  @Test
  void aHardLinkThroughALinkWhoseDotDotChainLeavesIsRefused() throws IOException {
    for (int n = 1; n <= 8; n++) {
      assertRefused(
          tar()
              .symlink("s", ".")
              .symlink("u", "s/".repeat(n) + "../".repeat(n))
              .hardlink("h", "u/" + canaryFromAbove(n)),
          "h",
          "through the symbolic link u");
    }
  }

  @Test
  void aHardLinkWithDotDotInItsSourceIsRefused() throws IOException {
    assertRefused(tar().hardlink("h", "../outside/canary"), "h", "contains '..'");
    assertRefused(tar().dir("a").hardlink("h", "a/../../outside/canary"), "h", "contains '..'");
    assertRefused(
        tar().symlink("s", ".").hardlink("h", "s/../outside/canary"), "h", "contains '..'");
  }

  @Test
  void aHardLinkWithAnAbsoluteSourceIsRefused() throws IOException {
    assertRefused(tar().hardlink("h", canary.toString()), "h", "is an absolute path");
  }

  @Test
  void aHardLinkToASymlinkIsRefused() throws IOException {
    assertRefused(
        tar().file("main.py", "x").symlink("l", "main.py").hardlink("h", "l"),
        "h",
        "which is a symbolic link");
    assertRefused(
        tar().symlink("s", ".").symlink("u", "s/..").hardlink("h", "u"),
        "h",
        "which is a symbolic link");
  }

  @Test
  void aHardLinkToADirectoryIsRefused() throws IOException {
    assertRefused(tar().dir("lib").hardlink("h", "lib"), "h", "which is a directory");
    assertRefused(tar().hardlink("h", "."), "h", "the function's directory itself");
  }

  @Test
  void aHardLinkThroughASymlinkToAnInsideDirectoryIsRefused() throws IOException {
    assertRefused(
        tar().dir("real").file("real/f", "x").symlink("l", "real").hardlink("h", "l/f"),
        "h",
        "through the symbolic link l");
  }

  @Test
  void aFileAfterASymlinkOfTheSameNameReplacesTheLink() throws IOException {
    extract(
        tar()
            .file("target.txt", "original")
            .symlink("f", "target.txt")
            .file("f", "new")
            .symlink("s", ".")
            .symlink("g", "s/../outside/canary")
            .file("g", "pwned")
            .symlink("h", "s/../outside/canary")
            .hardlink("h", "target.txt")
            .bytes());
    assertThat(Files.isSymbolicLink(root.resolve("f"))).isFalse();
    assertThat(root.resolve("f")).hasContent("new");
    assertThat(root.resolve("target.txt")).hasContent("original");
    assertThat(Files.isSymbolicLink(root.resolve("g"))).isFalse();
    assertThat(root.resolve("g")).hasContent("pwned");
    assertThat(Files.isSymbolicLink(root.resolve("h"))).isFalse();
    assertThat(root.resolve("h")).hasContent("original");
  }

  @Test
  void aFileWhoseParentIsASymlinkToADirectoryIsRefused() throws IOException {
    assertRefused(
        tar().dir("real").symlink("l", "real").file("l/f", "x"),
        "l/f",
        "passes through the symbolic link l");
    assertRefused(
        tar().symlink("s", ".").symlink("l", "s/../outside").file("l/canary", "pwned"),
        "l/canary",
        "passes through the symbolic link l");
    assertRefused(
        tar()
            .symlink("s", ".")
            .dir("a")
            .symlink("a/l", "../s/../outside")
            .file("a/l/canary", "pwned"),
        "a/l/canary",
        "passes through the symbolic link a/l");
    assertRefused(
        tar().symlink("s", ".").symlink("l", "s/../outside").dir("l/new"),
        "l/new/",
        "passes through the symbolic link l");
  }

  @Test
  void aSymlinkChainLeavingTheRootIsRefused() throws IOException {
    assertRefused(
        tar()
            .symlink("s", ".")
            .symlink("c", "s/..")
            .symlink("b", "c")
            .symlink("a", "b/outside/canary"),
        "a",
        "is a symbolic link leaving the function's directory (b/outside/canary)");
  }

  @Test
  void aSymlinkLoopIsRefused() throws IOException {
    assertRefused(tar().symlink("a", "b").symlink("b", "a"), "a", "its links loop");
    assertRefused(tar().dir("d").symlink("d/self", "self"), "d/self", "its links loop");
  }

  @Test
  void aSymlinkToNothingIsRefused() throws IOException {
    assertRefused(tar().symlink("l", "missing"), "l", "is a symbolic link to nothing (missing)");
  }

  @Test
  void aFileNeverReplacesADirectory() throws IOException {
    assertRefused(
        tar().dir("lib").file("lib/x", "x").file("lib", "x"),
        "lib",
        "replaces a directory with a file");
    assertRefused(
        tar().dir("lib").symlink("lib", "."), "lib", "replaces a directory with a symbolic link");
  }

  @Test
  void aDirectoryNeverReplacesASymlink() throws IOException {
    assertRefused(
        tar().symlink("s", ".").symlink("l", "s/../outside").dir("l"),
        "l/",
        "replaces a symbolic link with a directory");
  }

  // ---- headers commons-compress reads whole ----

  @Test
  void aHugeLongNameOrPaxHeaderIsRefusedBeforeItIsRead() {
    for (byte type :
        new byte[] {
          TarConstants.LF_GNUTYPE_LONGNAME,
          TarConstants.LF_GNUTYPE_LONGLINK,
          TarConstants.LF_PAX_EXTENDED_HEADER_LC,
          TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER
        }) {
      long[] read = new long[1];
      InputStream counted = counting(Tars.hugeHeader(type, 300_000_000L), read);
      assertThatThrownBy(() -> FunctionArchive.extract(counted, root, 1 << 20))
          .isInstanceOf(InvalidArchiveException.class)
          .hasMessageContaining("an archive header of type '" + (char) type + "'")
          .hasMessageContaining("is over 64 KiB (300000000 bytes)");
      assertThat(read[0]).as("bytes read of a '%s' header", (char) type).isLessThan(1 << 20);
    }
  }

  @Test
  void aPaxHeaderUpTo64KiBIsRead() throws IOException {
    FunctionArchive.extract(
        Tars.hugeHeader(TarConstants.LF_PAX_EXTENDED_HEADER_LC, 64 * 1024), root, 1 << 20);
    assertThat(root.resolve("main.py")).exists();
    FileTrees.deleteRecursively(root);
    Files.createDirectory(root);
    assertThatThrownBy(() ->
            FunctionArchive.extract(
                Tars.hugeHeader(TarConstants.LF_PAX_EXTENDED_HEADER_LC, 64 * 1024 + 1),
                root,
                1 << 20))
        .hasMessageContaining("is over 64 KiB");
  }

  @Test
  void aChainOfHeadersIsRefusedBeforeItOverflowsTheStack() throws IOException {
    assertThatThrownBy(() -> FunctionArchive.extract(Tars.headerChain(100_000), root, 1 << 20))
        .isInstanceOf(InvalidArchiveException.class)
        .hasMessageContaining("more than 16 header entries (long names, PAX headers) in a row");
    FunctionArchive.extract(Tars.headerChain(16), root, 1 << 20);
    assertThat(root.resolve("aaaaaaaaaa")).as("main.py under the last long name").exists();
    FileTrees.deleteRecursively(root);
    Files.createDirectory(root);
    assertThatThrownBy(() -> FunctionArchive.extract(Tars.headerChain(17), root, 1 << 20))
        .hasMessageContaining("more than 16 header entries");
  }

  /** {@code in}, adding the bytes read to {@code count[0]}. */
  private static InputStream counting(InputStream in, long[] count) {
    return new FilterInputStream(in) {
      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        count[0] += Math.max(n, 0);
        return n;
      }
    };
  }
}
