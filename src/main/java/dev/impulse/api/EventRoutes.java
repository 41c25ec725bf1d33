package dev.impulse.api;

import dev.impulse.chamber.ChamberEvent;
import dev.impulse.chamber.ChamberEvents;
import io.javalin.config.RoutesConfig;
import io.javalin.http.sse.SseClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /events}: lifecycle transitions as Server-Sent Events. Each event's SSE id is its
 * sequence number; a client that reconnects with {@code Last-Event-ID} (or {@code ?since=N}) gets
 * every retained event after it first, then live ones. Without either, only new events are sent.
 */
final class EventRoutes {
  static final int QUEUE = 10_000;
  static final long KEEP_ALIVE_SECONDS = 15;

  private final ChamberEvents events;

  EventRoutes(ChamberEvents events) {
    this.events = events;
  }

  void register(RoutesConfig routes) {
    routes.sse("/events", this::stream);
  }

  private void stream(SseClient client) {
    long since = since(client);
    BlockingQueue<ChamberEvent> queue = new LinkedBlockingQueue<>(QUEUE);
    AtomicBoolean overflowed = new AtomicBoolean();
    try (AutoCloseable subscription =
        events.subscribe(e -> {
          if (!queue.offer(e)) {
            overflowed.set(true);
          }
        })) {
      long sent = since;
      if (since >= 0) {
        long oldest = events.oldestSeq();
        if (oldest > since + 1) {
          client.sendComment(
              "events " + (since + 1) + " to " + (oldest - 1) + " are no longer retained");
        }
        for (ChamberEvent event : events.after(since)) {
          send(client, event);
          sent = event.seq();
        }
      }
      while (!client.terminated()) {
        ChamberEvent event = queue.poll(KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
        if (overflowed.get()) {
          // Too slow a reader: it reconnects with Last-Event-ID and misses nothing retained.
          client.close();
          return;
        }
        if (event == null) {
          client.sendComment("keep-alive");
        } else if (event.seq() > sent) {
          send(client, event);
          sent = event.seq();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      client.close();
    }
  }

  private static long since(SseClient client) {
    String header = client.ctx().header("Last-Event-ID");
    String query = client.ctx().queryParam("since");
    String value = header != null && !header.isBlank() ? header : query;
    if (value == null || value.isBlank()) {
      return -1;
    }
    try {
      return Math.max(0, Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static void send(SseClient client, ChamberEvent event) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("id", event.seq());
    data.put("chamber", event.chamber());
    data.put("kind", event.kind());
    data.put("from", event.from().orElse(null));
    data.put("to", event.to());
    data.put("time", event.timeMillis());
    data.put("reason", event.reason().orElse(null));
    client.sendEvent("chamber", data, Long.toString(event.seq()));
  }
}
