package dev.impulse.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Follows a chamber's log ({@code GET /chambers/{id}/logs?follow=true}) on a thread of its own: the
 * lines as the daemon sends them, until the chamber is gone and the daemon ends the stream.
 */
public final class LogStream implements AutoCloseable {
  /** Marks the end of the stream in the queue. */
  private static final Optional<String> END = Optional.empty();

  private final BlockingQueue<Optional<String>> lines = new LinkedBlockingQueue<>();
  private final Stream<String> body;
  private final Thread reader;
  private boolean ended;

  LogStream(URI logs, String token) {
    HttpRequest request =
        HttpRequest.newBuilder(logs).GET().header("Authorization", "Bearer " + token).build();
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<Stream<String>> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofLines());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (response.statusCode() != 200) {
      throw new AssertionError(
          "cannot follow " + logs + ": " + response.statusCode() + " " + response.body().toList());
    }
    body = response.body();
    reader = Thread.ofVirtual().start(this::read);
  }

  private void read() {
    try {
      body.forEach(line -> lines.add(Optional.of(line)));
    } catch (UncheckedIOException | IllegalStateException closed) {
      // the stream was closed
    } finally {
      lines.add(END);
    }
  }

  /**
   * Waits for the next line matching {@code wanted}, skipping others; returns all lines read up to
   * it. Fails if the stream ends first, or after {@code timeout}.
   */
  public List<String> until(Predicate<String> wanted, Duration timeout)
      throws InterruptedException {
    List<String> seen = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<String> line = next(deadline, timeout, seen);
      if (line.isEmpty()) {
        throw new AssertionError("the log ended without a matching line; read " + seen);
      }
      seen.add(line.get());
      if (wanted.test(line.get())) {
        return seen;
      }
    }
  }

  /** Every line until the daemon ends the stream; fails if it has not within {@code timeout}. */
  public List<String> toEnd(Duration timeout) throws InterruptedException {
    List<String> seen = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<String> line = next(deadline, timeout, seen);
      if (line.isEmpty()) {
        return seen;
      }
      seen.add(line.get());
    }
  }

  private Optional<String> next(long deadline, Duration timeout, List<String> seen)
      throws InterruptedException {
    if (ended) {
      return END;
    }
    Optional<String> line =
        lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    if (line == null) {
      throw new AssertionError("nothing more within " + timeout + "; read " + seen);
    }
    ended = line.isEmpty();
    return line;
  }

  @Override
  public void close() {
    body.close();
    reader.interrupt();
  }
}
