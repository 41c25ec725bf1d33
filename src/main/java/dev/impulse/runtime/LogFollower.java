package dev.impulse.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Follows a conmon k8s-file log as it grows: each {@link #poll} returns the whole lines written
 * since the last one. conmon truncates the log when it reaches its size limit; the follower then
 * starts again from the top. Not thread-safe: one follower per reader.
 */
public final class LogFollower {
  private final Path file;
  private final ContainerLog.LineJoiner joiner = new ContainerLog.LineJoiner();
  private final StringBuilder unfinished = new StringBuilder();
  private long offset;

  public LogFollower(Path file) {
    this.file = file;
  }

  /** Everything logged so far, the last {@code tail} lines of it (all when negative). */
  public List<ContainerLog.Line> start(int tail) {
    List<ContainerLog.Line> all = poll();
    return tail < 0 || all.size() <= tail ? all : all.subList(all.size() - tail, all.size());
  }

  /** The lines written since the last call. */
  public List<ContainerLog.Line> poll() {
    long size;
    try {
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read log " + file, e);
    }
    if (size < offset) {
      offset = 0; // conmon truncated it
      unfinished.setLength(0);
    }
    if (size == offset) {
      return List.of();
    }
    String text;
    try (SeekableByteChannel channel = Files.newByteChannel(file)) {
      channel.position(offset);
      InputStream in = Channels.newInputStream(channel);
      byte[] bytes = in.readNBytes((int) Math.min(size - offset, 8L << 20));
      offset += bytes.length;
      text = new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read log " + file, e);
    }
    unfinished.append(text);
    List<ContainerLog.Line> lines = new ArrayList<>();
    int start = 0;
    int newline;
    while ((newline = unfinished.indexOf("\n", start)) >= 0) {
      ContainerLog.parse(unfinished.substring(start, newline))
          .flatMap(joiner::add)
          .ifPresent(lines::add);
      start = newline + 1;
    }
    unfinished.delete(0, start);
    return lines;
  }
}
