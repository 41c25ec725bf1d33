package dev.impulse.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** runc on a fixture's root, for doing things behind the daemon's back. */
public final class Runc {
  private final Path root;

  public Runc(Path runDir) {
    this.root = runDir.resolve("runc");
  }

  /** Runs {@code runc --root ROOT args...}; returns its stdout, throwing when it fails. */
  public String run(String... args) {
    List<String> command = new ArrayList<>(List.of("runc", "--root", root.toString()));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      process.waitFor();
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The pid of the container's first process, from {@code runc state}. */
  public int pid(String id) {
    String state = run("state", id);
    int at = state.indexOf("\"pid\":");
    if (at < 0) {
      throw new IllegalStateException("runc state " + id + ": " + state);
    }
    return Integer.parseInt(state.substring(at + 6).split("[,}]")[0].trim());
  }
}
