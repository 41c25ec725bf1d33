package dev.impulse.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReserveTest {
  private static final long SIZE = 1024 * 1024;

  @TempDir Path dir;

  @Test
  void theReserveIsAFileOfRealBlocksNextToTheDatabase() throws Exception {
    try (Store store = Store.open(dir.resolve("impulse.db"), SIZE)) {
      Path reserve = dir.resolve("impulse.db-reserve");
      assertThat(reserve).hasSize(SIZE);
      assertThat(allocatedBytes(reserve)).as("not sparse").isGreaterThanOrEqualTo(SIZE);
      assertThat(store.reserveReleased()).isFalse();
    }
  }

  @Test
  void aStoreWithoutAReserveRemovesOneLeftFromBefore() {
    Store.open(dir.resolve("impulse.db"), SIZE).close();
    try (Store store = Store.open(dir.resolve("impulse.db"), 0)) {
      assertThat(dir.resolve("impulse.db-reserve")).doesNotExist();
      assertThat(store.reserveReleased()).isFalse();
      store.maintainReserve();
      assertThat(dir.resolve("impulse.db-reserve")).doesNotExist();
    }
  }

  @Test
  void aReserveOfAnotherSizeIsReplaced() throws Exception {
    Path reserve = Files.writeString(dir.resolve("impulse.db-reserve"), "half");
    try (Store store = Store.open(dir.resolve("impulse.db"), SIZE)) {
      assertThat(reserve).hasSize(SIZE);
    }
  }

  @Test
  void aReserveDeletedFromOutsideIsMadeAgain() throws Exception {
    try (Store store = Store.open(dir.resolve("impulse.db"), SIZE)) {
      Path reserve = dir.resolve("impulse.db-reserve");
      Files.delete(reserve);
      store.maintainReserve();
      assertThat(reserve).hasSize(SIZE);
      assertThat(store.reserveReleased()).isFalse();
    }
  }

  @Test
  void aNegativeReserveIsRefused() {
    assertThatThrownBy(() -> Store.open(dir.resolve("impulse.db"), -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0 (none) or more bytes, not -1");
    assertThat(dir.resolve("impulse.db")).doesNotExist();
  }

  /** Bytes the file system gave {@code file}, from stat(1): st_blocks is in 512-byte units. */
  private static long allocatedBytes(Path file) throws IOException, InterruptedException {
    Process stat =
        new ProcessBuilder("stat", "-c", "%b", file.toString()).redirectErrorStream(true).start();
    String out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(stat.waitFor()).as("stat: %s", out).isZero();
    return Long.parseLong(out) * 512;
  }
}
