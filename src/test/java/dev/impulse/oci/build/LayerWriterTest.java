package dev.impulse.oci.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.impulse.linux.Processes;
import dev.impulse.oci.Digest;
import dev.impulse.oci.LayerLimits;
import dev.impulse.oci.LayerMediaType;
import dev.impulse.oci.LayerStore;
import dev.impulse.oci.StoredLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerWriterTest {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  @TempDir Path tmp;
  private final LayerWriter writer = new LayerWriter(LayerOptions.DEFAULT);

  private StoredLayer unpack(LayerBlob blob) throws IOException {
    LayerStore store = LayerStore.open(tmp.resolve("store"), LayerLimits.DEFAULT);
    return store.ensure(
        blob.digest(), LayerMediaType.OCI_TAR_GZIP, () -> Files.newInputStream(blob.file()));
  }

  private static int mode(Path file) throws IOException {
    return (int) Files.getAttribute(file, "unix:mode", NOFOLLOW) & 07777;
  }

  private static Map<String, TarArchiveEntry> byName(Path blob) throws IOException {
    return SampleTree.entries(blob).stream()
        .collect(Collectors.toMap(TarArchiveEntry::getName, entry -> entry));
  }

  @Test
  void aWrittenTreeUnpacksInTheLayerStoreToTheSameFilesModesLinksAndTimes() throws IOException {
    Path tree = SampleTree.create(tmp.resolve("tree"));
    LayerBlob blob = writer.write(tree, tmp.resolve("layer.tar.gz"));

    StoredLayer layer = unpack(blob);
    Path root = layer.root();
    assertThat(layer.diffId()).isEqualTo(blob.diffId());
    assertThat(layer.size()).isEqualTo(blob.size()).isEqualTo(Files.size(blob.file()));
    assertThat(root.resolve("readme.txt")).hasContent("read me");
    assertThat(root.resolve("bin/tool")).hasContent("#!/bin/sh\necho tool");
    assertThat(mode(root.resolve("bin/tool"))).isEqualTo(0755);
    assertThat(mode(root.resolve("secret"))).isEqualTo(0700);
    assertThat(mode(root.resolve("readme.txt"))).isEqualTo(0644);
    assertThat(mode(root.resolve("empty"))).isEqualTo(0750);
    assertThat(root.resolve("empty")).isEmptyDirectory();
    assertThat(Files.readSymbolicLink(root.resolve("passwd"))).isEqualTo(Path.of("/etc/passwd"));
    assertThat(Files.readSymbolicLink(root.resolve("dangling")))
        .isEqualTo(Path.of("nowhere/missing"));
    assertThat(Files.getAttribute(root.resolve("bin/tool-again"), "unix:ino"))
        .as("a hard link unpacks as a second name of one inode")
        .isEqualTo(Files.getAttribute(root.resolve("bin/tool"), "unix:ino"));
    for (String path : List.of("readme.txt", "bin/tool", "secret", "empty", "bin")) {
      assertThat(Files.getLastModifiedTime(root.resolve(path), NOFOLLOW))
          .as(path)
          .isEqualTo(FileTime.from(SampleTree.TIME));
    }
    assertThat(root.resolve("fifo")).doesNotExist();
    assertThat(root.resolve("socket")).doesNotExist();
  }

  @Test
  void theTarKeepsSetUidBitsNumericOwnersAndNoUserNamesAndSkipsFifosAndSockets()
      throws IOException {
    Path tree = SampleTree.create(tmp.resolve("tree"));
    Map<String, TarArchiveEntry> entries = byName(writer.write(tree, tmp.resolve("l.tgz")).file());

    assertThat(entries.get("bin/suid").getMode()).isEqualTo(04755);
    assertThat(entries.get("secret").getMode()).isEqualTo(0700);
    assertThat(entries.get("bin/tool-again").isLink()).isTrue();
    assertThat(entries.get("bin/tool-again").getLinkName()).isEqualTo("bin/tool");
    assertThat(entries.get("passwd").isSymbolicLink()).isTrue();
    assertThat(entries.get("passwd").getLinkName()).isEqualTo("/etc/passwd");
    assertThat(entries.get("empty/").isDirectory()).isTrue();
    assertThat(entries).doesNotContainKeys("fifo", "socket", "./", "");
    for (TarArchiveEntry entry : entries.values()) {
      assertThat(entry.getUserName()).as(entry.getName()).isEmpty();
      assertThat(entry.getGroupName()).as(entry.getName()).isEmpty();
      assertThat(entry.getLongUserId()).isEqualTo(Processes.isRoot() ? 0 : entry.getLongUserId());
    }
  }

  @Test
  void entriesAreSortedWithEachDirectoryBeforeWhatItHolds() throws IOException {
    Path tree = SampleTree.create(tmp.resolve("tree"));
    List<String> names = SampleTree.names(writer.write(tree, tmp.resolve("l.tgz")).file());
    assertThat(names)
        .containsExactly(
            "bin/",
            "bin/suid",
            "bin/tool",
            "bin/tool-again",
            "dangling",
            "empty/",
            "passwd",
            "readme.txt",
            "secret");
  }

  @Test
  void ownersAreWrittenAsNumbers() throws IOException {
    assumeTrue(Processes.isRoot(), "giving a file away needs root");
    Path tree = Files.createDirectories(tmp.resolve("tree"));
    SampleTree.file(tree.resolve("owned"), "x", "rw-r--r--");
    Files.setAttribute(tree.resolve("owned"), "unix:uid", 1234);
    Files.setAttribute(tree.resolve("owned"), "unix:gid", 5678);
    TarArchiveEntry owned = byName(writer.write(tree, tmp.resolve("l.tgz")).file()).get("owned");
    assertThat(owned.getLongUserId()).isEqualTo(1234);
    assertThat(owned.getLongGroupId()).isEqualTo(5678);
  }

  @Test
  void longAndNonAsciiNamesAndLinkTargetsSurviveTheRoundTrip() throws IOException {
    Path tree = Files.createDirectories(tmp.resolve("tree"));
    String deep = "d".repeat(60) + "/" + "e".repeat(60);
    Files.createDirectories(tree.resolve(deep));
    SampleTree.file(tree.resolve(deep + "/" + "f".repeat(90)), "deep", "rw-r--r--");
    SampleTree.file(tree.resolve("grüße-日本.txt"), "utf-8", "rw-r--r--");
    Files.createSymbolicLink(tree.resolve("far"), Path.of("/" + "t".repeat(150)));

    Path root = unpack(writer.write(tree, tmp.resolve("l.tgz"))).root();
    assertThat(root.resolve(deep + "/" + "f".repeat(90))).hasContent("deep");
    assertThat(root.resolve("grüße-日本.txt")).hasContent("utf-8");
    assertThat(Files.readSymbolicLink(root.resolve("far")))
        .isEqualTo(Path.of("/" + "t".repeat(150)));
  }

  @Test
  void theSameTreeGivesTheSameDigestAndAChangedTimeAnother() throws IOException {
    Path tree = SampleTree.create(tmp.resolve("tree"));
    LayerBlob first = writer.write(tree, tmp.resolve("first.tgz"));
    LayerBlob second = writer.write(tree, tmp.resolve("second.tgz"));
    assertThat(second.descriptor()).isEqualTo(first.descriptor());
    assertThat(second.diffId()).isEqualTo(first.diffId());

    Files.setLastModifiedTime(tree.resolve("readme.txt"), FileTime.fromMillis(1_000_000_000_000L));
    LayerBlob touched = writer.write(tree, tmp.resolve("touched.tgz"));
    assertThat(touched.digest()).isNotEqualTo(first.digest());
    assertThat(touched.diffId()).isNotEqualTo(first.diffId());
  }

  @Test
  void aPrefixPutsTheTreeUnderRootOwnedDirectoriesAndHardLinksNameTheirPrefixedTarget()
      throws IOException {
    Path tree = SampleTree.create(tmp.resolve("tree"));
    LayerBlob blob =
        new LayerWriter(LayerOptions.DEFAULT.withPrefix("/opt/guest/"))
            .write(tree, tmp.resolve("l.tgz"));

    List<TarArchiveEntry> entries = SampleTree.entries(blob.file());
    assertThat(entries.subList(0, 3))
        .extracting(TarArchiveEntry::getName)
        .containsExactly("opt/", "opt/guest/", "opt/guest/bin/");
    for (TarArchiveEntry dir : entries.subList(0, 2)) {
      assertThat(dir.getMode()).isEqualTo(0755);
      assertThat(dir.getLongUserId()).isZero();
      assertThat(dir.getLongGroupId()).isZero();
      assertThat(dir.getLastModifiedTime().toMillis()).isZero();
    }
    Path root = unpack(blob).root();
    assertThat(root.resolve("opt/guest/readme.txt")).hasContent("read me");
    assertThat(Files.getAttribute(root.resolve("opt/guest/bin/tool-again"), "unix:ino"))
        .isEqualTo(Files.getAttribute(root.resolve("opt/guest/bin/tool"), "unix:ino"));
  }

  @Test
  void excludedPathsAreLeftOutAndEmptiedDirectoriesKeptEmpty() throws IOException {
    Path tree = SampleTree.create(tmp.resolve("tree"));
    Path dev = Files.createDirectory(tree.resolve("dev"));
    SampleTree.fifo(dev.resolve("initctl"));
    Files.createSymbolicLink(dev.resolve("fd"), Path.of("/proc/self/fd"));
    Files.createDirectory(dev.resolve("pts"));
    LayerOptions options = LayerOptions.ROOT_FILE_SYSTEM.excluding("secret", "bin/tool");

    List<String> names =
        SampleTree.names(new LayerWriter(options).write(tree, tmp.resolve("l")).file());
    assertThat(names).contains("dev/", "bin/", "bin/suid").doesNotContain("secret");
    assertThat(names).filteredOn(name -> name.startsWith("dev/")).containsExactly("dev/");
    TarArchiveEntry again =
        SampleTree.entries(tmp.resolve("l")).stream()
            .filter(entry -> entry.getName().equals("bin/tool-again"))
            .findFirst()
            .orElseThrow();
    assertThat(again.isFile())
        .as("the second name of an inode whose first is left out carries the content")
        .isTrue();
    assertThat(again.getSize()).isEqualTo("#!/bin/sh\necho tool\n".length());
  }

  @Test
  void optionsRefusePathsThatAreNotPlainRelativeNames() {
    for (String bad : List.of("a/../b", "..", "./a", "a//b")) {
      assertThatThrownBy(() -> LayerOptions.DEFAULT.excluding(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "' is not a relative path");
    }
    assertThatThrownBy(() -> LayerOptions.DEFAULT.withPrefix("opt/../etc"))
        .hasMessageContaining("prefix");
    assertThat(LayerOptions.DEFAULT.withPrefix("/").prefix()).isEmpty();
  }

  @Test
  void anExistingFileIsNeverWrittenOverAndAFailedWriteLeavesNoFile() throws IOException {
    Path tree = SampleTree.create(tmp.resolve("tree"));
    Path existing = Files.writeString(tmp.resolve("existing"), "keep");
    assertThatThrownBy(() -> writer.write(tree, existing)).isInstanceOf(IOException.class);
    assertThat(existing).hasContent("keep");

    Path notADirectory = tmp.resolve("existing");
    assertThatThrownBy(() -> writer.write(notADirectory, tmp.resolve("out")))
        .hasMessageContaining("is not a directory");
    assertThat(tmp.resolve("out")).doesNotExist();
  }

  @Test
  void theDescriptorIsAnOciGzipLayerOfTheFilesDigestAndSize() throws IOException {
    Path tree = SampleTree.create(tmp.resolve("tree"));
    LayerBlob blob = writer.write(tree, tmp.resolve("l.tgz"));
    assertThat(blob.descriptor().mediaType())
        .isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
    assertThat(blob.digest()).isEqualTo(Digest.of(Files.readAllBytes(blob.file())));
    assertThat(blob.size()).isEqualTo(Files.size(blob.file()));
  }

  @Test
  void anUnpackedLayersWhiteoutsAndOpaqueDirectoriesAreWrittenBackAsOciMarkers()
      throws IOException {
    Path tree = Files.createDirectories(tmp.resolve("overlay-layer"));
    Files.createDirectories(tree.resolve("usr/bin"));
    Files.createDirectories(tree.resolve("etc/opaque"));
    Files.writeString(tree.resolve("etc/opaque/kept"), "k");
    try (dev.impulse.linux.RootedDir root = dev.impulse.linux.RootedDir.open(tree)) {
      root.makeWhiteout("usr/bin/python3");
      root.setXattr("etc/opaque", "trusted.overlay.opaque", "y".getBytes());
    }
    LayerBlob blob =
        new LayerWriter(LayerOptions.DEFAULT.fromOverlayLayer())
            .write(tree, tmp.resolve("overlay.tar.gz"));
    Map<String, TarArchiveEntry> entries = byName(blob.file());
    assertThat(entries).containsKeys("usr/bin/.wh.python3", "etc/opaque/.wh..wh..opq");
    assertThat(entries).doesNotContainKey("usr/bin/python3");
    assertThat(entries.get("usr/bin/.wh.python3").isFile()).isTrue();

    StoredLayer again = unpack(blob); // the store makes overlayfs's forms of them again
    try (dev.impulse.linux.RootedDir root = dev.impulse.linux.RootedDir.open(again.root())) {
      assertThat(root.stat("usr/bin/python3").orElseThrow().type())
          .isEqualTo(dev.impulse.linux.RootedDir.FileType.OTHER);
      assertThat(root.xattr("etc/opaque", "trusted.overlay.opaque")).hasValue("y".getBytes());
    }
    assertThat(again.root().resolve("etc/opaque/kept")).hasContent("k");

    assertThat(byName(writer.write(tree, tmp.resolve("plain.tar.gz")).file()))
        .as("without the option a device is skipped, an attribute not read")
        .doesNotContainKeys("usr/bin/.wh.python3", "etc/opaque/.wh..wh..opq", "usr/bin/python3");
  }
}
