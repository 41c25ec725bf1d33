package dev.impulse.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpawnTest {
  @TempDir Path dir;

  @Test
  void theChildWritesToItsExtraDescriptorAndTheStreamEndsWithIt() throws IOException {
    Processes.Spawned child =
        Processes.spawn(
            List.of("/bin/sh", "-c", "echo \"{\\\"data\\\": $MARK}\" >&3; echo oops >&2"),
            Map.of("MARK", "42", "PATH", "/usr/bin:/bin"),
            3,
            -1,
            dir.resolve("stderr"),
            dir);
    try (var in = child.fromChild()) {
      assertThat(new String(in.readAllBytes())).isEqualTo("{\"data\": 42}\n");
    }
    assertThat(Processes.waitFor(child.pid())).isZero();
    assertThat(Files.readString(dir.resolve("stderr"))).isEqualTo("oops\n");
  }

  @Test
  void theChildGetsNoOtherDescriptorOfThisJvm() throws IOException {
    Processes.Spawned child =
        Processes.spawn(
            List.of("/bin/sh", "-c", "ls /proc/self/fd >&3"),
            Map.of(),
            3,
            -1,
            dir.resolve("stderr"),
            dir);
    try (var in = child.fromChild()) {
      // 0, 1, 2, 3 and the descriptor ls opens to read the directory
      assertThat(new String(in.readAllBytes()).trim().split("\\s+")).hasSizeLessThanOrEqualTo(5);
    }
    Processes.waitFor(child.pid());
  }

  @Test
  void exitCodesAndSignalsComeBackAsConmonWouldRecordThem() throws IOException {
    Processes.Spawned exits =
        Processes.spawn(List.of("/bin/sh", "-c", "exit 7"), Map.of(), 3, -1, dir.resolve("e"), dir);
    exits.fromChild().close();
    assertThat(Processes.waitFor(exits.pid())).isEqualTo(7);
    Processes.Spawned killed =
        Processes.spawn(
            List.of("/bin/sh", "-c", "kill -9 $$"), Map.of(), 3, -1, dir.resolve("e"), dir);
    killed.fromChild().close();
    assertThat(Processes.waitFor(killed.pid())).isEqualTo(137);
  }

  @Test
  void theChildReadsWhatWeWriteOnItsOtherDescriptor() throws IOException {
    Processes.Spawned child =
        Processes.spawn(
            List.of("/bin/sh", "-c", "read line <&4; echo \"got $line\" >&3"),
            Map.of(),
            3,
            4,
            dir.resolve("stderr"),
            dir);
    child.toChild().write("start\n".getBytes());
    child.toChild().close();
    try (var in = child.fromChild()) {
      assertThat(new String(in.readAllBytes())).isEqualTo("got start\n");
    }
    assertThat(Processes.waitFor(child.pid())).isZero();
  }

  @Test
  void aSignalToAProcessThatIsGoneReportsFalse() throws IOException {
    Processes.Spawned child =
        Processes.spawn(List.of("/bin/true"), Map.of(), 3, -1, dir.resolve("e"), dir);
    child.fromChild().close();
    Processes.waitFor(child.pid());
    assertThat(Processes.signal(child.pid(), 0)).isFalse();
    assertThat(Processes.reapIfEnded(child.pid())).isEmpty();
  }

  @Test
  void theChildRunsInItsWorkingDirectoryNotOurs() throws IOException {
    Path work = Files.createDirectory(dir.resolve("work"));
    Processes.Spawned child =
        Processes.spawn(
            List.of("/bin/sh", "-c", ": > oom; pwd >&3"),
            Map.of(),
            3,
            -1,
            dir.resolve("stderr"),
            work);
    try (var in = child.fromChild()) {
      assertThat(new String(in.readAllBytes()).strip()).isEqualTo(work.toRealPath().toString());
    }
    assertThat(Processes.waitFor(child.pid())).isZero();
    assertThat(work.resolve("oom")).exists();
  }

  @Test
  void aRunningChildIsKilledAndReapedAndAChildThatEndedIsLeftAlone() throws IOException {
    Processes.Spawned held =
        Processes.spawn(
            List.of("/bin/sh", "-c", "read line <&4"), Map.of(), 3, 4, dir.resolve("e"), dir);
    assertThat(Processes.childRunning(held.pid())).isTrue();
    Processes.killChild(held.pid());
    assertThat(Processes.childRunning(held.pid())).as("killed and reaped").isFalse();
    assertThat(Processes.exists(held.pid())).isFalse();
    held.toChild().close();
    held.fromChild().close();

    Processes.Spawned ended =
        Processes.spawn(List.of("/bin/sh", "-c", "exit 0"), Map.of(), 3, -1, dir.resolve("e"), dir);
    ended.fromChild().readAllBytes(); // its end of the pipe closes when it exits
    ended.fromChild().close();
    assertThat(Processes.waitFor(ended.pid())).isZero();
    // Reaped already: its pid is no longer this process's child, and nothing is signalled.
    assertThat(Processes.childRunning(ended.pid())).isFalse();
    Processes.killChild(ended.pid());
    assertThat(Processes.childRunning(1)).as("not a child").isFalse();
  }
}
