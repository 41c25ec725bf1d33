package dev.impulse.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ReaperTest {
  private final Reaper reaper = new Reaper();

  @BeforeAll
  static void subreaper() {
    Processes.becomeChildSubreaper();
  }

  @Test
  void orphansHandedToUsAreReapedOnceTheyEnd() throws Exception {
    // The shell starts a background child and exits at once: the child is re-parented to us.
    Process parent = reaper.start(new ProcessBuilder("/bin/sh", "-c", "sleep 0.2 & echo $!"));
    int orphan = Integer.parseInt(new String(parent.getInputStream().readAllBytes()).trim());
    parent.waitFor();
    assertThat(Reaper.children()).contains(orphan);
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (Processes.exists(orphan) && System.nanoTime() < deadline) {
      reaper.sweep();
      Thread.sleep(50);
    }
    assertThat(Processes.exists(orphan)).as("the orphan's zombie was reaped").isFalse();
  }

  @Test
  void childrenTheJdkWaitsForKeepTheirExitCodes() throws Exception {
    AtomicBoolean sweeping = new AtomicBoolean(true);
    Thread sweeper =
        Thread.ofPlatform()
            .start(() -> {
              while (sweeping.get()) {
                reaper.sweep();
              }
            });
    try {
      List<Process> processes = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        processes.add(reaper.start(new ProcessBuilder("/bin/sh", "-c", "exit 3")));
      }
      for (Process p : processes) {
        assertThat(p.waitFor()).isEqualTo(3);
      }
    } finally {
      sweeping.set(false);
      sweeper.join();
    }
  }

  @Test
  void aKeptChildIsLeftToItsSpawnerUntilReleased() throws Exception {
    Path dir = Files.createTempDirectory("reaper-test");
    try {
      Processes.Spawned child =
          reaper.spawnKept(
              () ->
                  Processes.spawn(
                      List.of("/bin/sh", "-c", "exit 5"), Map.of(), 3, -1, dir.resolve("err"), dir),
              Processes.Spawned::pid);
      child.fromChild().readAllBytes(); // its end closes when it exits
      child.fromChild().close();
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (!Reaper.isZombieChild(child.pid()) && System.nanoTime() < deadline) {
        Thread.sleep(5); // exited, not yet a zombie to the kernel's eyes: a brief window
      }
      reaper.sweep();
      assertThat(Reaper.isZombieChild(child.pid())).as("kept: still its spawner's").isTrue();
      reaper.release(child.pid());
      reaper.sweep();
      assertThat(Processes.exists(child.pid())).as("released: reaped").isFalse();
    } finally {
      FileTrees.deleteRecursively(dir);
    }
  }
}
