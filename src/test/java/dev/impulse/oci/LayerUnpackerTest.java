package dev.impulse.oci;

import static dev.impulse.testing.Tars.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.impulse.linux.Processes;
import dev.impulse.linux.RootedDir;
import dev.impulse.testing.Tars;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a layer unpacks to: the tree overlayfs reads as a lower layer. */
class LayerUnpackerTest {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  @TempDir Path tmp;
  private LayerStore store;

  @BeforeEach
  void setUp() throws IOException {
    store = LayerStore.open(tmp.resolve("store"), LayerLimits.DEFAULT);
  }

  private Path unpack(Tars layer) throws IOException {
    return TestBlob.gzipped(layer).ensureIn(store).root();
  }

  private static int mode(Path file) throws IOException {
    return (int) Files.getAttribute(file, "unix:mode", NOFOLLOW);
  }

  private static boolean isWhiteout(Path file) throws IOException {
    return Files.exists(file, NOFOLLOW)
        && (mode(file) & 0170000) == 0020000
        && Files.getAttribute(file, "unix:rdev", NOFOLLOW).equals(0L);
  }

  private static boolean isOpaque(Path dir) {
    try (RootedDir root = RootedDir.open(dir.getParent())) {
      Optional<byte[]> value = root.xattr(dir.getFileName().toString(), LayerTree.OPAQUE_XATTR);
      return value.isPresent() && new String(value.get()).equals("y");
    }
  }

  @Test
  void unpacksFilesDirectoriesAndLinksKeepingModesAndLinkTargetsAsTheyAre() throws IOException {
    Path root =
        unpack(
            tar()
                .dir("usr/bin", 0755)
                .file("usr/bin/python3.11", "#!elf", 0755)
                .symlink("usr/bin/python3", "python3.11")
                .symlink("usr/bin/abs", "/usr/bin/python3.11")
                .symlink("etc/up", "../../../..")
                .hardlink("usr/bin/python", "usr/bin/python3.11")
                .file("etc/shadow", "root:*", 0640)
                .dir("srv/empty", 0700));
    assertThat(root.resolve("usr/bin/python3.11")).hasContent("#!elf");
    assertThat(mode(root.resolve("usr/bin/python3.11")) & 07777).isEqualTo(0755);
    assertThat(mode(root.resolve("etc/shadow")) & 07777).isEqualTo(0640);
    assertThat(mode(root.resolve("srv/empty")) & 07777).isEqualTo(0700);
    assertThat(mode(root.resolve("etc")) & 07777).as("an implied directory").isEqualTo(0755);
    assertThat(Files.readSymbolicLink(root.resolve("usr/bin/python3"))).hasToString("python3.11");
    assertThat(Files.readSymbolicLink(root.resolve("usr/bin/abs")))
        .hasToString("/usr/bin/python3.11");
    assertThat(Files.readSymbolicLink(root.resolve("etc/up"))).hasToString("../../../..");
    assertThat(Files.getAttribute(root.resolve("usr/bin/python"), "unix:nlink")).isEqualTo(2);
  }

  @Test
  void modificationTimesAreKeptForFilesLinksAndDirectories() throws IOException {
    Path root =
        unpack(
            tar()
                .modifiedAt(1_600_000_000)
                .dir("lib")
                .file("lib/mod.py", "X = 1\n")
                .symlink("lib/alias.py", "mod.py"));
    FileTime time = FileTime.from(Instant.ofEpochSecond(1_600_000_000));
    assertThat(Files.getLastModifiedTime(root.resolve("lib/mod.py"))).isEqualTo(time);
    assertThat(Files.getLastModifiedTime(root.resolve("lib/alias.py"), NOFOLLOW)).isEqualTo(time);
    assertThat(Files.getLastModifiedTime(root.resolve("lib")))
        .as("set after the files made in it")
        .isEqualTo(time);
  }

  @Test
  void theDigestIsTheBlobsAndTheDiffIdTheUncompressedTars() throws IOException {
    byte[] tarBytes = tar().file("a", "1").bytes();
    byte[] gzip = TestBlob.gzip(tarBytes);
    StoredLayer gzipped = new TestBlob(gzip, LayerMediaType.DOCKER_TAR_GZIP).ensureIn(store);
    assertThat(gzipped.digest()).isEqualTo(TestBlob.digestOf(gzip));
    assertThat(gzipped.diffId()).isEqualTo(TestBlob.digestOf(tarBytes));
    assertThat(gzipped.size()).isEqualTo(gzip.length);
    assertThat(gzipped.unpackedBytes()).isEqualTo(1);
    assertThat(gzipped.mediaType()).isEqualTo(LayerMediaType.DOCKER_TAR_GZIP);

    byte[] plain = tar().file("b", "22").bytes();
    StoredLayer uncompressed = new TestBlob(plain, LayerMediaType.OCI_TAR).ensureIn(store);
    assertThat(uncompressed.digest()).isEqualTo(uncompressed.diffId());
    assertThat(uncompressed.root().resolve("b")).hasContent("22");
  }

  @Test
  void aWhiteoutBecomesACharacterDeviceZeroZeroInItsPlace() throws IOException {
    assumeTrue(Processes.isRoot(), "whiteouts are made with mknod, which needs root");
    Path root = unpack(tar().file("etc/.wh.motd", "").file(".wh.opt", ""));
    assertThat(isWhiteout(root.resolve("etc/motd"))).isTrue();
    assertThat(isWhiteout(root.resolve("opt"))).isTrue();
    assertThat(root.resolve("etc/.wh.motd")).doesNotExist();
  }

  @Test
  void anOpaqueMarkerMakesItsDirectoryOpaqueAndIsNoFile() throws IOException {
    assumeTrue(Processes.isRoot(), "trusted.* attributes need root");
    Path root = unpack(tar().dir("var/cache").file("var/cache/.wh..wh..opq", "").file("x", ""));
    assertThat(isOpaque(root.resolve("var/cache"))).isTrue();
    assertThat(isOpaque(root.resolve("var"))).isFalse();
    try (Stream<Path> cache = Files.list(root.resolve("var/cache"))) {
      assertThat(cache).isEmpty();
    }
  }

  @Test
  void aWhiteoutAndADirectoryOfTheSameNameInOneLayerGiveAnOpaqueDirectory() throws IOException {
    assumeTrue(Processes.isRoot(), "whiteouts and opaque directories need root");
    Path before = unpack(tar().file(".wh.app", "").dir("app").file("app/new", "1"));
    assertThat(Files.isDirectory(before.resolve("app"), NOFOLLOW)).isTrue();
    assertThat(isOpaque(before.resolve("app"))).as("whiteout, then directory").isTrue();
    assertThat(before.resolve("app/new")).hasContent("1");

    Path after = unpack(tar().dir("lib").file("lib/new", "2").file(".wh.lib", ""));
    assertThat(isOpaque(after.resolve("lib"))).as("directory, then whiteout").isTrue();
    assertThat(after.resolve("lib/new")).hasContent("2");

    Path under = unpack(tar().file(".wh.srv", "").file("srv/x", "3"));
    assertThat(isOpaque(under.resolve("srv"))).as("an entry under a whiteout").isTrue();
    assertThat(under.resolve("srv/x")).hasContent("3");
  }

  @Test
  void aWhiteoutOfAFileOfTheSameLayerKeepsTheFile() throws IOException {
    Path root = unpack(tar().file("etc/hosts", "mine").file("etc/.wh.hosts", ""));
    assertThat(root.resolve("etc/hosts")).hasContent("mine");
  }

  @Test
  void aFileReplacesAWhiteoutOfTheSameLayer() throws IOException {
    assumeTrue(Processes.isRoot(), "whiteouts need root");
    Path root = unpack(tar().file("etc/.wh.hosts", "").file("etc/hosts", "new"));
    assertThat(root.resolve("etc/hosts")).hasContent("new");
  }

  @Test
  void laterEntriesWinAsInTarWithADirectoryReplacedWithAllItHolds() throws IOException {
    Path root =
        unpack(
            tar()
                .dir("a/deep/er")
                .file("a/deep/er/f", "gone")
                .file("a", "a file now")
                .file("b", "a file")
                .dir("b", 0700)
                .file("b/inside", "x")
                .dir("c", 0755)
                .file("c/one", "1")
                .dir("c", 0711)
                .file("c/two", "2")
                .file("d", "first")
                .symlink("d", "somewhere")
                .symlink("e", "somewhere")
                .file("e", "second"));
    assertThat(root.resolve("a")).isRegularFile().hasContent("a file now");
    assertThat(Files.isDirectory(root.resolve("b"))).isTrue();
    assertThat(mode(root.resolve("b")) & 07777).isEqualTo(0700);
    assertThat(root.resolve("c/one")).as("directories merge").hasContent("1");
    assertThat(root.resolve("c/two")).hasContent("2");
    assertThat(mode(root.resolve("c")) & 07777).as("the later mode").isEqualTo(0711);
    assertThat(Files.readSymbolicLink(root.resolve("d"))).hasToString("somewhere");
    assertThat(Files.isSymbolicLink(root.resolve("e"))).isFalse();
    assertThat(root.resolve("e")).hasContent("second");
  }

  @Test
  void aFileReplacingASymbolicLinkReplacesTheLinkNotWhatItLeadsTo() throws IOException {
    Path canary = Files.writeString(tmp.resolve("canary"), "secret");
    Path root = unpack(tar().symlink("l", canary.toString()).file("l", "mine"));
    assertThat(root.resolve("l")).hasContent("mine");
    assertThat(Files.isSymbolicLink(root.resolve("l"))).isFalse();
    assertThat(canary).hasContent("secret");
  }

  @Test
  void setIdBitsAreStrippedAndADirectoryKeepsItsStickyBit() throws IOException {
    Path root =
        unpack(
            tar()
                .file("bin/su", "x", 04755)
                .file("bin/wall", "x", 02755)
                .file("bin/odd", "x", 01644)
                .dir("tmp", 01777)
                .dir("shared", 03775));
    assertThat(mode(root.resolve("bin/su")) & 07777).isEqualTo(0755);
    assertThat(mode(root.resolve("bin/wall")) & 07777).isEqualTo(0755);
    assertThat(mode(root.resolve("bin/odd")) & 07777).isEqualTo(0644);
    assertThat(mode(root.resolve("tmp")) & 07777).isEqualTo(01777);
    assertThat(mode(root.resolve("shared")) & 07777).isEqualTo(01775);
  }

  @Test
  void devicesAndFifosAreSkippedAndNeverMade() throws IOException {
    Path root =
        unpack(
            tar()
                .device("dev/null", TarConstants.LF_CHR, 1, 3)
                .device("dev/sda", TarConstants.LF_BLK, 8, 0)
                .device("etc/forged-whiteout", TarConstants.LF_CHR, 0, 0)
                .fifo("run/initctl")
                .file("etc/os-release", "x"));
    assertThat(root.resolve("etc/os-release")).hasContent("x");
    for (String skipped : new String[] {"dev/null", "dev/sda", "etc/forged-whiteout"}) {
      assertThat(Files.exists(root.resolve(skipped), NOFOLLOW)).as(skipped).isFalse();
    }
    assertThat(Files.exists(root.resolve("run/initctl"), NOFOLLOW)).isFalse();
  }

  @Test
  void everyFileBelongsToTheUnpackingUserNotToTheTarsOwner() throws IOException {
    Path root = unpack(tar().ownedBy(2_000_007_000).dir("home/app").file("home/app/f", "x"));
    int self = (int) Files.getAttribute(tmp, "unix:uid");
    assertThat(Files.getAttribute(root.resolve("home/app/f"), "unix:uid")).isEqualTo(self);
    assertThat(Files.getAttribute(root.resolve("home/app"), "unix:gid"))
        .isEqualTo(Files.getAttribute(tmp, "unix:gid"));
  }

  @Test
  void zstdAndUnknownMediaTypesAreRefusedSayingWhy() {
    assertThatThrownBy(() -> LayerMediaType.parse("application/vnd.oci.image.layer.v1.tar+zstd"))
        .isInstanceOf(UnsupportedLayerException.class)
        .hasMessageContaining("zstd-jni")
        .hasMessageContaining("application/vnd.oci.image.layer.v1.tar+gzip");
    assertThatThrownBy(
            () -> LayerMediaType.parse("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"))
        .isInstanceOf(UnsupportedLayerException.class)
        .hasMessageContaining("foreign");
    assertThatThrownBy(() -> LayerMediaType.parse("text/plain"))
        .isInstanceOf(UnsupportedLayerException.class)
        .hasMessageContaining("'text/plain' is not supported");
    assertThat(LayerMediaType.parse("application/vnd.docker.image.rootfs.diff.tar.gzip"))
        .isEqualTo(LayerMediaType.DOCKER_TAR_GZIP);
  }

  @Test
  void aSourceThatFailsIsAnIoErrorNotARefusalAndLeavesNothing() throws IOException {
    TestBlob blob = TestBlob.gzipped(tar().file("f", "content ".repeat(10_000)));
    BlobSource failing =
        () ->
            new InputStream() {
              private int read;

              @Override
              public int read() throws IOException {
                if (++read > 100) {
                  throw new IOException("connection reset");
                }
                return blob.bytes()[read - 1] & 0xff;
              }
            };
    assertThatThrownBy(() -> store.ensure(blob.digest(), blob.type(), failing))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("connection reset");
    assertThat(store.layers()).isEmpty();
    try (Stream<Path> staging = Files.list(tmp.resolve("store/tmp"))) {
      assertThat(staging).isEmpty();
    }
  }
}
