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
}
