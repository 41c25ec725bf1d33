package dev.impulse.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Reads conmon's k8s-file logs. Each line is {@code <RFC 3339 time> <stdout|stderr> <P|F> <text>};
 * {@code P} marks a partial line that the next entries of the same stream continue.
 */
public final class ContainerLog {
  private ContainerLog() {}

  /** One line of output, joined from its partial pieces. */
  public record Line(String time, String stream, String text) {}

  /** Parses one k8s-file entry; empty when the line is not one. */
  static Optional<Entry> parse(String raw) {
    String[] parts = raw.split(" ", 4);
    if (parts.length < 3) {
      return Optional.empty();
    }
    return Optional.of(
        new Entry(parts[0], parts[1], parts[2].equals("P"), parts.length == 4 ? parts[3] : ""));
  }

  record Entry(String time, String stream, boolean partial, String text) {}

  /**
   * Joins partial entries into whole lines, keeping only the last {@code tail} (all when negative).
   */
  public static List<Line> read(Path file, int tail) {
    List<String> raw;
    try {
      raw = Files.readAllLines(file);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read log " + file, e);
    }
    Deque<Line> lines = new ArrayDeque<>();
    LineJoiner joiner = new LineJoiner();
    for (String entry : raw) {
      parse(entry).flatMap(joiner::add).ifPresent(line -> keep(lines, line, tail));
    }
    joiner.flush().forEach(line -> keep(lines, line, tail));
    return new ArrayList<>(lines);
  }

  private static void keep(Deque<Line> lines, Line line, int tail) {
    lines.addLast(line);
    if (tail >= 0 && lines.size() > tail) {
      lines.removeFirst();
    }
  }

  /** Collects partial entries per stream until their final piece arrives. */
  static final class LineJoiner {
    private final StringBuilder stdout = new StringBuilder();
    private final StringBuilder stderr = new StringBuilder();
    private String stdoutTime = "";
    private String stderrTime = "";

    Optional<Line> add(Entry entry) {
      boolean isErr = entry.stream().equals("stderr");
      StringBuilder buffer = isErr ? stderr : stdout;
      if (buffer.isEmpty()) {
        if (isErr) {
          stderrTime = entry.time();
        } else {
          stdoutTime = entry.time();
        }
      }
      buffer.append(entry.text());
      if (entry.partial()) {
        return Optional.empty();
      }
      Line line = new Line(isErr ? stderrTime : stdoutTime, entry.stream(), buffer.toString());
      buffer.setLength(0);
      return Optional.of(line);
    }

    /** What is left of unfinished lines, when the log ends. */
    List<Line> flush() {
      List<Line> rest = new ArrayList<>();
      if (!stdout.isEmpty()) {
        rest.add(new Line(stdoutTime, "stdout", stdout.toString()));
        stdout.setLength(0);
      }
      if (!stderr.isEmpty()) {
        rest.add(new Line(stderrTime, "stderr", stderr.toString()));
        stderr.setLength(0);
      }
      return rest;
    }
  }
}
