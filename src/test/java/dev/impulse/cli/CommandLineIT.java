package dev.impulse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.impulse.image.Overlay;
import dev.impulse.linux.Mounts;
import dev.impulse.testing.DaemonFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code impulse} command as a newcomer runs it: the built jar. */
class CommandLineIT {
  private record Result(int code, String output) {}

  private static Result impulse(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(
        List.of(
            "--enable-native-access=ALL-UNNAMED",
            "-jar",
            System.getProperty("impulse.jar", "target/impulse.jar")));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(process.waitFor(), output);
  }

  @Test
  void listsRuntimesAndWhetherTheyAreBuilt() throws Exception {
    DaemonFixture.buildBaseimages();
    Result result =
        impulse("runtimes", "list", "--baseimage-dir", DaemonFixture.BASEIMAGES.toString());
    assertThat(result.code()).isZero();
    assertThat(result.output())
        .containsPattern("python3\\.9 +python +bullseye +BUILT")
        .containsPattern("python3\\.11 +python +bookworm +BUILT")
        .containsPattern("node20 +node +trixie +(BUILT|NOT_BUILT)")
        .contains("python3      -> python3.11");
  }

  @Test
  void buildingABuiltRuntimeSaysWhereItIs() throws Exception {
    DaemonFixture.buildBaseimages();
    Result result =
        impulse(
            "runtimes", "build", "python3", "--baseimage-dir", DaemonFixture.BASEIMAGES.toString());
    assertThat(result.code()).isZero();
    assertThat(result.output())
        .contains("building python3.11 from Debian bookworm", "python3.11 is built: ");
  }

  @Test
  void anUnknownRuntimeListsTheAvailableOnes() throws Exception {
    Result result =
        impulse(
            "runtimes", "build", "ruby", "--baseimage-dir", DaemonFixture.BASEIMAGES.toString());
    assertThat(result.code()).isEqualTo(1);
    assertThat(result.output())
        .contains(
            "runtime 'ruby' is not available; available: python3.9, python3.11, node20, java21,"
                + " binary, java, node, python3");
  }

  @Test
  void aBadDaemonOptionIsNamedAndNothingStarts() throws Exception {
    Result result = impulse("daemon", "--port-range", "9000-8000");
    assertThat(result.code()).isEqualTo(1);
    assertThat(result.output()).contains("--port-range").doesNotContain("Exception");
  }

  @Test
  void helpListsTheSubcommands() throws Exception {
    Result result = impulse("--help");
    assertThat(result.code()).isZero();
    assertThat(result.output()).contains("daemon", "runtimes");
  }

  @Test
  void pruneRemovesStaleBaseimagesButKeepsOneAMountedOverlayUses(@TempDir Path dir)
      throws Exception {
    Path stale = Files.createDirectories(dir.resolve("os/python3.11-000000000000/rootfs"));
    Path used = Files.createDirectories(dir.resolve("os/python3.9-111111111111/rootfs"));
    Path upper = Files.createDirectories(dir.resolve("upper"));
    Path work = Files.createDirectories(dir.resolve("work"));
    Path target = Files.createDirectories(dir.resolve("target"));
    // stands for a chamber started on the old recipe: an overlay whose lower layer it is
    new Overlay(List.of(used), upper, work, target).mount();
    try {
      Result result = impulse("runtimes", "prune", "--baseimage-dir", dir.toString());
      assertThat(result.code()).as(result.output()).isZero();
      assertThat(result.output())
          .contains("removed " + stale.getParent())
          .contains("kept " + used.getParent() + " (a mounted chamber uses it)");
      assertThat(stale.getParent()).doesNotExist();
      assertThat(used).isDirectory();
    } finally {
      Mounts.unmount(target);
    }
  }
}
