package dev.impulse.oci;

import static dev.impulse.testing.Tars.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.impulse.linux.Mounts;
import dev.impulse.linux.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two unpacked layers stacked by the kernel's overlayfs, as a chamber's root will stack them: what
 * the upper layer whites out is gone, and its opaque directory hides the lower one's content. Needs
 * root (mknod, trusted.* attributes, mount); the overlay is read-only and unmounted at the end.
 */
class LayerOverlayTest {
  @TempDir Path tmp;

  @Test
  void stackedLayersHideWhatTheUpperOneWhitesOutOrMakesOpaque() throws IOException {
    assumeTrue(Processes.isRoot(), "mounting an overlay needs root");
    LayerStore store = LayerStore.open(tmp.resolve("store"), LayerLimits.DEFAULT);
    StoredLayer lower =
        TestBlob.gzipped(
                tar()
                    .file("etc/gone", "old")
                    .file("etc/kept", "kept")
                    .file("data/old", "old")
                    .file("data/sub/deep", "old")
                    .file("opt/tool", "old"))
            .ensureIn(store);
    StoredLayer upper =
        TestBlob.gzipped(
                tar()
                    .file("etc/.wh.gone", "")
                    .file("data/.wh..wh..opq", "")
                    .file("data/new", "new")
                    .file(".wh.opt", ""))
            .ensureIn(store);
    Path target = Files.createDirectory(tmp.resolve("rootfs"));
    Mounts.mountOverlay(target, "lowerdir=" + upper.root() + ":" + lower.root());
    try {
      assertThat(target.resolve("etc/kept")).hasContent("kept");
      assertThat(target.resolve("etc/gone")).doesNotExist();
      assertThat(target.resolve("opt")).doesNotExist();
      assertThat(target.resolve("data/new")).hasContent("new");
      try (Stream<Path> data = Files.list(target.resolve("data"))) {
        assertThat(data.map(p -> p.getFileName().toString())).containsExactly("new");
      }
    } finally {
      Mounts.unmount(target);
    }
    assertThat(Mounts.isMountPoint(target)).isFalse();
  }
}
