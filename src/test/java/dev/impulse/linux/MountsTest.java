package dev.impulse.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MountsTest {
  @Test
  void unescapesTheOctalSequencesOfMountinfo() {
    assertThat(Mounts.unescape("/data/with\\040space")).isEqualTo("/data/with space");
    assertThat(Mounts.unescape("/tab\\011and\\134backslash")).isEqualTo("/tab\tand\\backslash");
    assertThat(Mounts.unescape("/plain")).isEqualTo("/plain");
    assertThat(Mounts.unescape("/odd\\9")).isEqualTo("/odd\\9");
  }

  @Test
  void readsThisProcesssMountTable() {
    assertThat(Mounts.mountPoints()).contains(java.nio.file.Path.of("/"));
  }

  @Test
  void theLowerLayersOfOverlaysAreReadFromMountinfo() {
    var lines =
        java.util.List.of(
            "36 35 98:0 / /mnt1 rw,noatime master:1 - ext3 /dev/root rw,errors=continue",
            "410 30 0:88 / /data/chambers/a/rootfs rw,relatime - overlay overlay"
                + " rw,lowerdir=/data/fn/layer:/b/skyhook/abc:/b/os/py-1/rootfs,upperdir=/u,workdir=/w",
            "411 30 0:89 / /x rw - overlay overlay rw,lowerdir=/with\\040space,upperdir=/u,workdir=/w");
    assertThat(Mounts.overlayLowerDirs(lines))
        .containsExactly(
            java.nio.file.Path.of("/data/fn/layer"),
            java.nio.file.Path.of("/b/skyhook/abc"),
            java.nio.file.Path.of("/b/os/py-1/rootfs"),
            java.nio.file.Path.of("/with space"));
  }
}
