package dev.impulse.oci;

import static dev.impulse.testing.Tars.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.impulse.testing.Tars;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile layers are refused, naming the entry, and leave nothing: after each test the store holds
 * no layer and no staging directory, and a canary file beside the store (standing in for the host's
 * /etc/shadow) keeps its content and its single link, with nothing new around it.
 */
class HostileLayerTest {
  @TempDir Path tmp;
  private Path storeDir;
  private LayerStore store;
  private Path outside;
  private Path canary;
  private Set<Path> outsideBefore;

  @BeforeEach
  void setUp() throws IOException {
    storeDir = tmp.resolve("store");
    store = LayerStore.open(storeDir, LayerLimits.DEFAULT);
    outside = Files.createDirectory(tmp.resolve("outside")).toRealPath();
    canary = outside.resolve("canary");
    Files.writeString(canary, "secret");
    outsideBefore = outsideTheStore();
  }

  @AfterEach
  void nothingIsLeftAndNothingOutsideChanged() throws IOException {
    assertThat(store.layers()).isEmpty();
    try (Stream<Path> staging = Files.list(storeDir.resolve("tmp"));
        Stream<Path> layers = Files.list(storeDir.resolve("sha256"))) {
      assertThat(staging).as("staging directories").isEmpty();
      assertThat(layers).as("layer directories").isEmpty();
    }
    assertThat(canary).hasContent("secret");
    assertThat(Files.getAttribute(canary, "unix:nlink")).as("links to the canary").isEqualTo(1);
    assertThat(outsideTheStore()).isEqualTo(outsideBefore);
  }

  private Set<Path> outsideTheStore() throws IOException {
    try (Stream<Path> walk = Files.walk(tmp)) {
      return walk.filter(p -> !p.startsWith(storeDir)).collect(Collectors.toSet());
    }
  }

  private void assertRefused(Tars layer, String entry, String why) {
    assertRefused(TestBlob.gzipped(layer), "is refused: entry '" + entry + "' ", why);
  }

  private void assertRefused(TestBlob blob, String... what) {
    assertThatThrownBy(() -> blob.ensureIn(store))
        .isInstanceOf(InvalidLayerException.class)
        .hasMessageContaining("layer " + blob.digest() + " is refused: ")
        .hasMessageContainingAll(what);
  }

  @Test
  void namesLeavingTheLayerAreRefused() {
    assertRefused(tar().file("../canary", "x"), "../canary", "leaves the layer");
    assertRefused(tar().file("a/../../canary", "x"), "a/../../canary", "contains '..'");
    assertRefused(tar().file(canary.toString(), "x"), canary.toString(), "absolute path");
    assertRefused(tar().dir("a").file("a/../b", "x"), "a/../b", "contains '..'");
  }

  @Test
  void hardLinksWithDotDotOrAbsoluteTargetsAreRefused() {
    assertRefused(tar().hardlink("h", "../../../../outside/canary"), "h", "contains '..'");
    assertRefused(tar().file("f", "x").hardlink("h", "a/../f"), "h", "contains '..'");
    assertRefused(tar().hardlink("h", canary.toString()), "h", "is an absolute path");
  }

  @Test
  void aHardLinkThroughAnEarlierSymbolicLinkIsRefused() {
    assertRefused(
        tar().symlink("l", outside.toString()).hardlink("h", "l/canary"),
        "h",
        "cannot be reached without following a symbolic link");
    assertRefused(
        tar().symlink("l", ".").file("f", "x").hardlink("h", "l/f"),
        "h",
        "without following a symbolic link");
  }

  @Test
  void hardLinksOnlyNameEarlierFilesOfTheLayer() {
    assertRefused(tar().hardlink("h", "etc/passwd"), "h", "no earlier file of the layer");
    assertRefused(tar().hardlink("h", "f").file("f", "x"), "h", "no earlier file of the layer");
    assertRefused(tar().dir("d").hardlink("h", "d"), "h", "a directory");
    assertRefused(tar().file("f", "x").hardlink("f", "f"), "f", "a hard link to itself");
  }

  @Test
  void nothingIsWrittenThroughASymbolicLinkPlantedEarlierInTheLayer() {
    String through = "would be written through the symbolic link 'l'";
    String out = outside.toString();
    assertRefused(tar().symlink("l", out).file("l/canary", "pwned"), "l/canary", through);
    assertRefused(tar().symlink("l", out).file("l/new", "x"), "l/new", through);
    assertRefused(tar().symlink("l", out).dir("l/d"), "l/d/", through);
    assertRefused(tar().symlink("l", out).symlink("l/s", "/"), "l/s", through);
    assertRefused(tar().symlink("l", "../../..").file("l/x", "x"), "l/x", through);
    assertRefused(tar().symlink("l", out).file("l/.wh.canary", ""), "l/.wh.canary", through);
    assertRefused(
        tar().dir("d").symlink("d/l", out).file("d/l/x", "x"), "d/l/x", "the symbolic link 'd/l'");
  }

  @Test
  void whiteoutsOfDotDotDotOrNothingAreRefused() {
    for (String name : new String[] {".wh...", ".wh..", ".wh.", "a/.wh...", ".wh..wh.x"}) {
      assertRefused(tar().dir("a").file(name, ""), name, "is no valid whiteout");
    }
    assertRefused(tar().file(".wh.x/y", ""), ".wh.x/y", "are whiteouts, never directories");
    assertRefused(tar().hardlink("h", ".wh.x/y"), "h", "are whiteouts, never directories");
  }

  @Test
  void anOpaqueMarkerAtTheLayersRootIsRefused() {
    assertRefused(tar().file(".wh..wh..opq", ""), ".wh..wh..opq", "makes the layer's root opaque");
  }

  @Test
  void entryTypesThatAreNoFileDirectoryOrLinkAreRefused() {
    assertRefused(tar().entry("x", (byte) 'Z'), "x", "has the tar entry type 'Z'");
  }

  @Test
  void aNameOrLinkTargetOverThePathBoundIsRefused() throws IOException {
    store = LayerStore.open(storeDir, new LayerLimits(1 << 20, 100, 50, 100));
    String longName = "d/" + "x".repeat(60);
    assertRefused(tar().file(longName, "x"), longName, "has a name over 50 bytes");
    assertRefused(tar().symlink("l", "y".repeat(51)), "l", "has a link target over 50 bytes");
    assertRefused(tar().file("f", "x").hardlink("h", "z".repeat(51)), "h", "over 50 bytes");
  }

  @Test
  void aLayerOverItsEntryBoundIsRefused() throws IOException {
    store = LayerStore.open(storeDir, new LayerLimits(1 << 20, 3, 4096, 100));
    assertRefused(
        TestBlob.gzipped(tar().file("a", "1").file("b", "2").file("c", "3").file("d", "4")),
        "it has more than 3 entries");
  }

  /** The tar's bytes reach the bound before its files' do: headers and padding count too. */
  @Test
  void aLayerOverItsByteBoundIsRefused() throws IOException {
    store = LayerStore.open(storeDir, new LayerLimits(4000, 100, 4096, 100));
    assertRefused(
        TestBlob.gzipped(tar().file("a", "x".repeat(2000)).file("b", "x".repeat(2000))),
        "its tar is over 4000 bytes uncompressed");
    assertRefused(
        TestBlob.plain(tar().file("a", "x".repeat(2000)).file("b", "x".repeat(2000))),
        "its blob is over 4000 bytes");
  }

  @Test
  void aCompressionBombIsRefusedBeforeItIsUnpacked() {
    byte[] zeros = new byte[(int) LayerLimits.BOMB_GRACE_BYTES + (4 << 20)];
    TestBlob bomb = TestBlob.gzipped(tar().file("zeros", zeros, 0644));
    assertThat(bomb.bytes().length).as("the bomb's size").isLessThan(zeros.length / 500);
    assertRefused(bomb, "it is a compression bomb");
  }

  @Test
  void hugeOrChainedTarHeadersAreRefusedBeforeTheyAreRead() throws IOException {
    TestBlob huge =
        new TestBlob(
            Tars.hugeHeaderGzipped(TarConstants.LF_PAX_EXTENDED_HEADER_LC, 300_000_000),
            LayerMediaType.OCI_TAR_GZIP);
    assertRefused(huge, "a long name or PAX header");
    TestBlob chain;
    try (InputStream in = Tars.headerChain(1000)) {
      chain = new TestBlob(in.readAllBytes(), LayerMediaType.OCI_TAR);
    }
    assertRefused(chain, "header entries (long names, PAX headers) in a row");
  }

  @Test
  void aBlobWhoseDigestIsNotTheManifestsIsRefused() {
    TestBlob blob = TestBlob.gzipped(tar().file("f", "x"));
    Digest other = TestBlob.digestOf("something else".getBytes());
    assertThatThrownBy(() -> store.ensure(other, blob.type(), blob.source()))
        .isInstanceOf(InvalidLayerException.class)
        .hasMessageContaining("layer " + other + " is refused")
        .hasMessageContaining("its blob's digest is " + blob.digest());
  }

  @Test
  void truncatedOrCorruptBlobsAreRefused() {
    byte[] gzip = TestBlob.gzipped(tar().file("f", "some content ".repeat(1000))).bytes();
    byte[] cut = Arrays.copyOf(gzip, gzip.length / 2);
    assertRefused(new TestBlob(cut, LayerMediaType.OCI_TAR_GZIP), "is not a valid");
    byte[] tarBytes = tar().file("f", "some content ".repeat(1000)).bytes();
    byte[] cutTar = Arrays.copyOf(tarBytes, 2000);
    assertRefused(new TestBlob(cutTar, LayerMediaType.OCI_TAR), "is not a valid");
    assertRefused(new TestBlob(tarBytes, LayerMediaType.OCI_TAR_GZIP), "is not a valid");
    byte[] gzipOfACutTar = TestBlob.gzip(cutTar);
    assertRefused(new TestBlob(gzipOfACutTar, LayerMediaType.OCI_TAR_GZIP), "is not a valid");
  }

  @Test
  void aTarEndingRightAfterItsLastContentUnpacksAsUmociInsertWritesItButACutInsideContentIsNot()
      throws IOException {
    byte[] full = tar().file("mark", "m\n").bytes();
    byte[] bare = Arrays.copyOf(full, 512 + 2); // one header, its content, nothing after
    TestBlob blob = new TestBlob(TestBlob.gzip(bare), LayerMediaType.OCI_TAR_GZIP);
    StoredLayer layer = store.ensure(blob.digest(), blob.type(), blob.source());
    assertThat(Files.readString(layer.root().resolve("mark"))).isEqualTo("m\n");
    assertThat(layer.diffId()).isEqualTo(TestBlob.digestOf(bare));
    assertThat(store.remove(layer.digest())).isTrue(); // this class's tests leave the store empty

    byte[] cut = Arrays.copyOf(full, 512 + 1); // the content itself is short
    assertRefused(new TestBlob(TestBlob.gzip(cut), LayerMediaType.OCI_TAR_GZIP), "is not a valid");
  }
}
