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
    assertThat(ContainerLog.readAll(file, -1))
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
    assertThat(ContainerLog.readAll(file, -1))
        .extracting(ContainerLog.Line::text)
        .containsExactly("interleaved", "first half end");
  }

  @Test
  void keepsEmptyLinesAndTheLastTail() throws IOException {
    Path file = log("t1 stdout F one", "t2 stdout F ", "t3 stdout F three");
    assertThat(ContainerLog.readAll(file, -1))
        .extracting(ContainerLog.Line::text)
        .containsExactly("one", "", "three");
    assertThat(ContainerLog.readAll(file, 2))
        .extracting(ContainerLog.Line::text)
        .containsExactly("", "three");
    assertThat(ContainerLog.readAll(file, 0)).isEmpty();
  }

  @Test
  void aMissingLogIsEmpty() {
    assertThat(ContainerLog.readAll(dir.resolve("none"), -1)).isEmpty();
  }

  @Test
  void anUnfinishedLineIsKeptAtTheEnd() throws IOException {
    Path file = log("t1 stdout P no newline yet");
    assertThat(ContainerLog.readAll(file, -1))
        .extracting(ContainerLog.Line::text)
        .containsExactly("no newline yet");
  }

  @Test
  void aHugeLineIsPassedOnInPiecesOfBoundedSize() throws IOException {
    // A function that prints 1 MB without a newline: conmon writes it as many partial entries.
    String piece = "x".repeat(8000);
    List<String> entries = new java.util.ArrayList<>();
    for (int i = 0; i < 125; i++) {
      entries.add("t stdout P " + piece);
    }
    entries.add("t stdout F end");
    Path file = log(entries.toArray(String[]::new));
    List<ContainerLog.Line> lines = ContainerLog.readAll(file, -1);
    assertThat(lines)
        .allSatisfy(l -> assertThat(l.text().length()).isLessThanOrEqualTo(ContainerLog.MAX_LINE));
    assertThat(lines.stream().mapToInt(l -> l.text().length()).sum()).isEqualTo(125 * 8000 + 3);
  }

  @Test
  void aFollowerReadsInBoundedChunksAndStartsOverAfterTruncation() throws IOException {
    Path file = dir.resolve("container.log");
    List<String> many = new java.util.ArrayList<>();
    for (int i = 0; i < 20000; i++) {
      many.add("t stdout F line " + i);
    }
    Files.write(file, many);
    LogFollower follower = new LogFollower(file);
    List<String> seen = new java.util.ArrayList<>();
    follower.start(3, l -> seen.add(l.text()));
    assertThat(seen).containsExactly("line 19997", "line 19998", "line 19999");
    Files.write(file, List.of("t stdout F more"), java.nio.file.StandardOpenOption.APPEND);
    seen.clear();
    while (follower.poll(l -> seen.add(l.text()))) {
      // until caught up
    }
    assertThat(seen).containsExactly("more");
    Files.write(file, List.of("t stdout F after truncation"));
    seen.clear();
    while (follower.poll(l -> seen.add(l.text()))) {
      // until caught up
    }
    assertThat(seen).containsExactly("after truncation");
  }
}
