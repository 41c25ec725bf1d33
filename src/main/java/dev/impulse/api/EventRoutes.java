package dev.impulse.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.chamber.ChamberEvent;
import dev.impulse.chamber.ChamberEvents;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /events}: lifecycle transitions as Server-Sent Events ({@code text/event-stream}).
 * Each event's SSE id is its sequence number; a client that reconnects with {@code Last-Event-ID}
 * (or asks {@code ?since=N}) gets every retained event after it first, then live ones; without
 * either, only new events. Written here rather than with Javalin's SSE support, which answers only
 * requests that send {@code Accept: text/event-stream} (plain curl does not).
 */
final class EventRoutes {
  static final int QUEUE = 10_000;
  static final long KEEP_ALIVE_SECONDS = 15;

  private final ChamberEvents events;
  private final ObjectMapper json;

  EventRoutes(ChamberEvents events, ObjectMapper json) {
    this.events = events;
    this.json = json;
  }

  void register(RoutesConfig routes) {
    routes.get("/events", this::stream);
  }

  private void stream(Context ctx) throws Exception {
    long since = since(ctx);
    BlockingQueue<ChamberEvent> queue = new LinkedBlockingQueue<>(QUEUE);
    AtomicBoolean overflowed = new AtomicBoolean();
    ctx.status(200);
    ctx.contentType("text/event-stream; charset=utf-8");
    ctx.header("Cache-Control", "no-cache");
    ctx.header("X-Accel-Buffering", "no");
    OutputStream out = ctx.res().getOutputStream();
    try (AutoCloseable subscription =
        events.subscribe(e -> {
          if (!queue.offer(e)) {
            overflowed.set(true);
          }
        })) {
      write(out, ": impulse events\n\n");
      long sent = since;
      if (since >= 0) {
        long oldest = events.oldestSeq();
        if (oldest > since + 1) {
          write(
              out,
              ": events " + (since + 1) + " to " + (oldest - 1) + " are no longer retained\n\n");
        }
        for (ChamberEvent event : events.after(since)) {
          write(out, frame(event));
          sent = event.seq();
        }
      }
      while (!overflowed.get()) {
        ChamberEvent event = queue.poll(KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
        if (event == null) {
          write(out, ": keep-alive\n\n");
        } else if (event.seq() > sent) {
          write(out, frame(event));
          sent = event.seq();
        }
      }
      // A reader too slow to keep up is cut off; it reconnects with Last-Event-ID and misses
      // nothing that is retained.
    } catch (IOException clientLeft) {
      // nothing to answer to
    }
  }

  private static long since(Context ctx) {
    String header = ctx.header("Last-Event-ID");
    String value = header != null && !header.isBlank() ? header : ctx.queryParam("since");
    if (value == null || value.isBlank()) {
      return -1;
    }
    try {
      return Math.max(0, Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      throw new InvalidRequestException(
          "Last-Event-ID or 'since' must be an event id (a whole number), not '" + value + "'");
    }
  }

  private String frame(ChamberEvent event) throws JsonProcessingException {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("id", event.seq());
    data.put("chamber", event.chamber());
    data.put("kind", event.kind());
    data.put("from", event.from().orElse(null));
    data.put("to", event.to());
    data.put("time", event.timeMillis());
    data.put("reason", event.reason().orElse(null));
    return "id: "
        + event.seq()
        + "\nevent: chamber\ndata: "
        + json.writeValueAsString(data)
        + "\n\n";
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
