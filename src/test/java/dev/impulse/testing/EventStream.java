package dev.impulse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** A Server-Sent Events client for tests: reads {@code GET /events} on a thread of its own. */
public final class EventStream implements AutoCloseable {
  private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
  private final Thread reader;
  private volatile Stream<String> lines;
  private volatile long lastId = -1;

  /** Connects; {@code lastEventId} (when not negative) is sent as Last-Event-ID. */
  public EventStream(URI events, long lastEventId, String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(events).GET().header("Authorization", "Bearer " + token);
    if (lastEventId >= 0) {
      request.header("Last-Event-ID", Long.toString(lastEventId));
    }
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<Stream<String>> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofLines());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (!response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
      throw new AssertionError("not an event stream: " + response.headers());
    }
    lines = response.body();
    reader = Thread.ofVirtual().start(this::read);
  }

  private void read() {
    try {
      lines.forEach(line -> {
        if (line.startsWith("data: ")) {
          JsonNode event = Http.json().valueToTree(parse(line.substring(6)));
          lastId = event.get("id").asLong();
          events.add(event);
        }
      });
    } catch (UncheckedIOException | IllegalStateException closed) {
      // the stream was closed
    }
  }

  private static Object parse(String text) {
    try {
      return Http.json().readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The id of the last event received, -1 before any. */
  public long lastId() {
    return lastId;
  }

  /**
   * Waits for the next event matching {@code wanted}, skipping others; returns all seen up to it.
   */
  public List<JsonNode> until(Predicate<JsonNode> wanted, Duration timeout)
      throws InterruptedException {
    List<JsonNode> seen = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode event = events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (event == null) {
        throw new AssertionError("no matching event within " + timeout + "; saw " + seen);
      }
      seen.add(event);
      if (wanted.test(event)) {
        return seen;
      }
    }
  }

  /** An event about {@code chamber} that moved to {@code to}. */
  public static Predicate<JsonNode> to(String chamber, String to) {
    return e -> e.path("chamber").asText().equals(chamber) && e.get("to").asText().equals(to);
  }

  @Override
  public void close() {
    lines.close();
    reader.interrupt();
  }
}
