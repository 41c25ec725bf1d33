package dev.impulse.runtime;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Reads conmon's k8s-file logs without ever holding one whole: each entry is {@code <RFC 3339 time>
 * <stdout|stderr> <P|F> <text>}, {@code P} marking a partial line that the next entries of the same
 * stream continue. Lines are passed one at a time to a {@link Sink}; a line longer than {@link
 * #MAX_LINE} bytes is passed in pieces of at most that size, so what a reader holds is bounded
 * whatever a function prints. {@link #copy} with a {@code tail} reads the file twice (count, then
 * skip), which costs time, not memory.
 */
public final class ContainerLog {
  /** The longest line kept in memory: longer ones are passed on in pieces. */
  public static final int MAX_LINE = 64 * 1024;

  /** The longest raw entry read: conmon writes at most a few KiB per entry. */
  static final int MAX_ENTRY = MAX_LINE + 256;

  private ContainerLog() {}

  /** One line of output, joined from its partial pieces. */
  public record Line(String time, String stream, String text) {}

  /** Takes lines as they are read. */
  @FunctionalInterface
  public interface Sink {
    void line(Line line) throws IOException;
  }

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
   * Passes the log's lines to {@code sink}: the last {@code tail} of them, or all when {@code tail}
   * is negative. Lines written while it reads may or may not be included.
   */
  public static void copy(Path file, int tail, Sink sink) throws IOException {
    long size;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      size = channel.size();
    } catch (NoSuchFileException e) {
      return;
    }
    long skip = 0;
    if (tail >= 0) {
      long[] count = new long[1];
      read(file, 0, size, new LineJoiner(), line -> count[0]++, true);
      skip = Math.max(0, count[0] - tail);
    }
    long[] seen = new long[1];
    long toSkip = skip;
    read(
        file,
        0,
        size,
        new LineJoiner(),
        line -> {
          if (seen[0]++ >= toSkip) {
            sink.line(line);
          }
        },
        true);
  }

  /**
   * Reads entries of {@code file} between {@code from} and {@code to} (bytes), passing complete
   * lines to {@code sink}; with {@code flush}, unfinished partial lines are passed at the end.
   * Returns the offset after the last whole entry read (an entry cut by {@code to} is left for the
   * next read).
   */
  static long read(Path file, long from, long to, LineJoiner joiner, Sink sink, boolean flush)
      throws IOException {
    long offset = from;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      channel.position(from);
      InputStream in = new BufferedInputStream(Channels.newInputStream(channel), 64 * 1024);
      EntryReader entries = new EntryReader(in, to - from);
      String raw;
      while ((raw = entries.next()) != null) {
        offset = from + entries.consumed();
        Optional<Entry> entry = parse(raw);
        if (entry.isPresent()) {
          joiner.add(entry.get(), sink);
        }
      }
    } catch (NoSuchFileException e) {
      return from;
    }
    if (flush) {
      joiner.flush(sink);
    }
    return offset;
  }

  /** Splits a byte stream into entries (lines), each cut to {@link #MAX_ENTRY} bytes. */
  static final class EntryReader {
    private final InputStream in;
    private final long limit;
    private final byte[] buffer = new byte[MAX_ENTRY];
    private long read;
    private long consumed;

    EntryReader(InputStream in, long limit) {
      this.in = in;
      this.limit = limit;
    }

    /** The next whole entry, or null at the end (an unterminated last entry is not returned). */
    String next() throws IOException {
      int length = 0;
      while (read < limit) {
        int b = in.read();
        if (b < 0) {
          return null;
        }
        read++;
        if (b == '\n') {
          consumed = read;
          return new String(buffer, 0, length, StandardCharsets.UTF_8);
        }
        if (length < buffer.length) {
          buffer[length++] = (byte) b;
        }
      }
      return null;
    }

    /** Bytes up to and including the last whole entry returned. */
    long consumed() {
      return consumed;
    }
  }

  /**
   * Collects partial entries per stream until their final piece arrives, passing on a line early
   * when it reaches {@link #MAX_LINE}. Not thread-safe.
   */
  static final class LineJoiner {
    private final StringBuilder stdout = new StringBuilder();
    private final StringBuilder stderr = new StringBuilder();
    private String stdoutTime = "";
    private String stderrTime = "";

    void add(Entry entry, Sink sink) throws IOException {
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
      String stream = isErr ? "stderr" : "stdout";
      String time = isErr ? stderrTime : stdoutTime;
      while (buffer.length() > MAX_LINE) {
        sink.line(new Line(time, stream, buffer.substring(0, MAX_LINE)));
        buffer.delete(0, MAX_LINE);
      }
      if (entry.partial()) {
        return;
      }
      sink.line(new Line(time, stream, buffer.toString()));
      buffer.setLength(0);
    }

    /** What is left of unfinished lines, when the log ends. */
    void flush(Sink sink) throws IOException {
      if (!stdout.isEmpty()) {
        sink.line(new Line(stdoutTime, "stdout", stdout.toString()));
        stdout.setLength(0);
      }
      if (!stderr.isEmpty()) {
        sink.line(new Line(stderrTime, "stderr", stderr.toString()));
        stderr.setLength(0);
      }
    }
  }

  /** Reads a whole small log into a list: for tests and tools, never for the API. */
  static java.util.List<Line> readAll(Path file, int tail) {
    java.util.List<Line> lines = new java.util.ArrayList<>();
    try {
      copy(file, tail, lines::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read log " + file, e);
    }
    return lines;
  }
}
