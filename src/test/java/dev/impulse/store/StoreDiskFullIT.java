package dev.impulse.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store on a file system that really fills up: a 4 MiB tmpfs, mounted for the test (root only)
 * and filled with a filler file until the kernel answers ENOSPC.
 */
@Timeout(120)
class StoreDiskFullIT {
  private static final long RESERVE = 256 * 1024;

  @TempDir Path dir;

  @Test
  void aFullFileSystemIsSurvivedWithoutReopeningTheStore() throws Exception {
    assumeTrue(
        (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0,
        "mounting a tmpfs needs root");
    Path fs = Files.createDirectory(dir.resolve("fs"));
    run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", fs.toString());
    try {
      fillAndRecover(fs);
    } finally {
      unmount(fs);
    }
    assertThat(mountPoints()).doesNotContain(fs.toRealPath());
  }

  private void fillAndRecover(Path fs) throws Exception {
    Path db = fs.resolve("impulse.db");
    Path reserve = fs.resolve("impulse.db-reserve");
    Path filler = fs.resolve("filler");
    Store store = Store.open(db, RESERVE);
    try {
      assertThat(reserve).hasSize(RESERVE);
      for (String id : List.of("a-1-aaaaa", "b-1-bbbbb")) {
        store.saveChamber(row(id, "RUNNING"), event(id, "RUNNING"));
      }

      // Full: a write that frees space still goes through, on the reserve's room.
      fill(filler);
      store.deleteChamber("a-1-aaaaa", event("a-1-aaaaa", "DELETED"));
      assertThat(store.reserveReleased()).isTrue();
      assertThat(reserve).doesNotExist();

      // Full again, no reserve left: writes fail naming the file system; reads still answer.
      fill(filler);
      assertThatThrownBy(() -> store.saveChamber(row("c-1-ccccc", "STARTING"), Optional.empty()))
          .isInstanceOfSatisfying(
              DiskFullException.class,
              e -> {
                assertThat(e.path()).isEqualTo(db);
                assertThat(e)
                    .hasMessageContaining("saving chamber c-1-ccccc failed")
                    .hasMessageContaining("the file system holding " + db + " (tmpfs")
                    .hasMessageContaining("is full");
              });
      assertThatThrownBy(() -> store.deleteChamber("b-1-bbbbb", event("b-1-bbbbb", "DELETED")))
          .isInstanceOf(DiskFullException.class);
      assertThat(store.chambers()).extracting(ChamberRow::id).containsExactly("b-1-bbbbb");
      store.maintainReserve();
      assertThat(store.reserveReleased()).as("no room for the reserve yet").isTrue();

      // Room again: the same store writes, and makes its reserve again.
      Files.delete(filler);
      store.saveChamber(row("c-1-ccccc", "STARTING"), event("c-1-ccccc", "STARTING"));
      store.maintainReserve();
      assertThat(store.reserveReleased()).isFalse();
      assertThat(reserve).hasSize(RESERVE);

      // Closing on a full disk.
      fill(filler);
      assertThatCode(store::close).doesNotThrowAnyException();
    } finally {
      store.close();
    }
    assertThat(OpenFiles.under(fs)).isEmpty();

    // What was committed is all there, and nothing else.
    Files.delete(filler);
    try (Store reopened = Store.open(db, RESERVE)) {
      assertThat(reopened.chambers())
          .extracting(ChamberRow::id)
          .containsExactly("b-1-bbbbb", "c-1-ccccc");
      assertThat(reopened.lastEvents(100))
          .extracting(e -> e.chamber() + " " + e.to())
          .containsExactly(
              "a-1-aaaaa RUNNING", "b-1-bbbbb RUNNING", "a-1-aaaaa DELETED", "c-1-ccccc STARTING");
    }
    assertThat(OpenFiles.under(fs)).isEmpty();
  }

  /** Appends to {@code filler} until the file system is full. */
  private static void fill(Path filler) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    try (FileChannel out =
        FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      while (true) {
        out.write(chunk.clear());
      }
    } catch (IOException e) {
      if (!DiskFullException.isDiskFull(e)) {
        throw e;
      }
    }
  }

  private static ChamberRow row(String id, String status) {
    return new ChamberRow(id, "{}", 6000, 1, status, null, null, 0, "UNKNOWN", 0, null, null);
  }

  private static Optional<EventRow> event(String id, String to) {
    return Optional.of(new EventRow(0, id, "status", null, to, 5, null));
  }

  /** Unmounts {@code fs}; a busy one (a file left open) is detached anyway, and fails the test. */
  private static void unmount(Path fs) throws Exception {
    try {
      run("umount", fs.toString());
    } catch (IllegalStateException busy) {
      run("umount", "-l", fs.toString());
      throw new AssertionError("the tmpfs was busy when the test ended", busy);
    }
  }

  private static List<Path> mountPoints() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .map(line -> Path.of(line.split(" ")[4]))
        .toList();
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output =
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " did not end in 30 s");
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException(
          String.join(" ", command) + " failed (exit " + process.exitValue() + "): " + output);
    }
  }
}
