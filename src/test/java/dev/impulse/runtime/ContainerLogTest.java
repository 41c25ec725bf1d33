package dev.impulse.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerLogTest {
  @TempDir Path dir;

  private Path log(String... lines) throws IOException {
    Path file = dir.resolve("container.log");
    Files.write(file, List.of(lines));
    return file;
  }

  @Test
  void readsWholeLinesWithTheirStream() throws IOException {
    Path file =
        log(
            "2026-11-24T02:48:07.1+00:00 stdout F hello world",
            "2026-11-24T02:48:07.2+00:00 stderr F oops");
    assertThat(ContainerLog.read(file, -1))
        .extracting(ContainerLog.Line::stream, ContainerLog.Line::text)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("stdout", "hello world"),
            org.assertj.core.groups.Tuple.tuple("stderr", "oops"));
  }

  @Test
  void joinsPartialPiecesPerStream() throws IOException {
    Path file =
        log(
            "t1 stdout P first ",
            "t2 stderr F interleaved",
            "t3 stdout P half ",
            "t4 stdout F end");
    assertThat(ContainerLog.read(file, -1))
        .extracting(ContainerLog.Line::text)
        .containsExactly("interleaved", "first half end");
  }

  @Test
  void keepsEmptyLinesAndTheLastTail() throws IOException {
    Path file = log("t1 stdout F one", "t2 stdout F ", "t3 stdout F three");
    assertThat(ContainerLog.read(file, -1))
        .extracting(ContainerLog.Line::text)
        .containsExactly("one", "", "three");
    assertThat(ContainerLog.read(file, 2))
        .extracting(ContainerLog.Line::text)
        .containsExactly("", "three");
    assertThat(ContainerLog.read(file, 0)).isEmpty();
  }

  @Test
  void aMissingLogIsEmpty() {
    assertThat(ContainerLog.read(dir.resolve("none"), -1)).isEmpty();
  }

  @Test
  void anUnfinishedLineIsKeptAtTheEnd() throws IOException {
    Path file = log("t1 stdout P no newline yet");
    assertThat(ContainerLog.read(file, -1))
        .extracting(ContainerLog.Line::text)
        .containsExactly("no newline yet");
  }
}
