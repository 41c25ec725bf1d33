package dev.impulse.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The {@code impulse} command as a user runs it ({@code java -jar target/impulse.jar}), pointed at
 * a fixture's daemon: to run to its end, or to start and read as it streams.
 */
public final class ImpulseCli {
  private static final Duration RUN_LIMIT = Duration.ofSeconds(120);

  private final List<String> connection;

  /** Client subcommands given {@link #api} reach {@code daemon}'s API with its token file. */
  public ImpulseCli(DaemonFixture daemon) {
    this.connection =
        List.of(
            "--url",
            daemon.uri("/").toString(),
            "--token-file",
            daemon.config().tokenFile().toString());
  }

  /** What a finished run printed, and its exit code. */
  public record Result(int code, String out, String err) {}

  /** {@code subcommand args...} with the fixture's {@code --url} and {@code --token-file}. */
  private static List<String> with(List<String> connection, String subcommand, String... args) {
    List<String> all = new ArrayList<>();
    all.add(subcommand);
    all.addAll(List.of(args));
    all.addAll(connection);
    return all;
  }

  /** Runs an API subcommand to its end. */
  public Result api(String subcommand, String... args) {
    return run(with(connection, subcommand, args));
  }

  /** Starts an API subcommand that streams. */
  public Running start(String subcommand, String... args) {
    return new Running(process(with(connection, subcommand, args)));
  }

  /** Runs {@code impulse args...} to its end (within two minutes). */
  public static Result run(List<String> args) {
    Process process = process(args);
    CompletableFuture<String> err = drain(process.getErrorStream());
    CompletableFuture<String> out = drain(process.getInputStream());
    try {
      if (!process.waitFor(RUN_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("impulse " + args + " did not end within " + RUN_LIMIT);
      }
      return new Result(process.exitValue(), out.get(), err.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Process process(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(
        List.of(
            "--enable-native-access=ALL-UNNAMED",
            "-jar",
            System.getProperty("impulse.jar", "target/impulse.jar")));
    command.addAll(args);
    try {
      return new ProcessBuilder(command).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static CompletableFuture<String> drain(InputStream in) {
    CompletableFuture<String> text = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(() -> {
          try (in) {
            text.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
          } catch (IOException e) {
            text.completeExceptionally(e);
          }
        });
    return text;
  }

  /** A subcommand still running: its stdout a line at a time, as it prints them. */
  public static final class Running implements AutoCloseable {
    private static final Optional<String> END = Optional.empty();

    private final Process process;
    private final BlockingQueue<Optional<String>> lines = new LinkedBlockingQueue<>();
    private final CompletableFuture<String> err;
    private boolean ended;

    Running(Process process) {
      this.process = process;
      this.err = drain(process.getErrorStream());
      Thread.ofVirtual().start(this::read);
    }

    private void read() {
      try (BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          lines.add(Optional.of(line));
        }
      } catch (IOException closed) {
        // the process ended
      } finally {
        lines.add(END);
      }
    }

    /** Lines up to and including the first that matches; fails if stdout ends or time runs out. */
    public List<String> until(Predicate<String> wanted, Duration timeout)
        throws InterruptedException {
      List<String> seen = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        Optional<String> line =
            ended
                ? END
                : lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (line == null) {
          throw new AssertionError("no matching line within " + timeout + "; read " + seen);
        }
        if (line.isEmpty()) {
          ended = true;
          throw new AssertionError(
              "the output ended without a matching line; read " + seen + ", stderr " + err());
        }
        seen.add(line.get());
        if (wanted.test(line.get())) {
          return seen;
        }
      }
    }

    /** Waits for the process to end by itself; returns its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("the command still runs after " + timeout);
      }
      return process.exitValue();
    }

    /** Stops it as Ctrl-C or a supervisor would (SIGTERM); returns its exit code. */
    public int interrupt() throws InterruptedException {
      process.destroy();
      return awaitExit(Duration.ofSeconds(30));
    }

    /** What it wrote to stderr, once it has ended. */
    public String err() {
      try {
        return err.get(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("cannot read the command's stderr", e);
      }
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }
}
