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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /events}: lifecycle transitions as Server-Sent Events ({@code text/event-stream}).
 * Each event's SSE id is its sequence number; a client that reconnects with {@code Last-Event-ID}
 * (or asks {@code ?since=N}) gets every retained event after it first, then live ones; without
 * either, only new events. Each stream reads the log at its own pace, a page at a time, so a slow
 * reader costs one page of memory and a blocked one is cut by the connection's idle timeout.
 * Written here rather than with Javalin's SSE support, which answers only requests that send {@code
 * Accept: text/event-stream} (plain curl does not).
 */
final class EventRoutes {
  static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

  private final ChamberEvents events;
  private final ObjectMapper json;
  private final StreamSlots streams;

  EventRoutes(ChamberEvents events, ObjectMapper json, StreamSlots streams) {
    this.events = events;
    this.json = json;
    this.streams = streams;
  }

  void register(RoutesConfig routes) {
    routes.get("/events", this::stream);
  }

  private void stream(Context ctx) throws Exception {
    long since = since(ctx);
    try (AutoCloseable slot = streams.take()) {
      ctx.status(200);
      ctx.contentType("text/event-stream; charset=utf-8");
      ctx.header("Cache-Control", "no-cache");
      ctx.header("X-Accel-Buffering", "no");
      OutputStream out = ctx.res().getOutputStream();
      write(out, ": impulse events\n\n");
      long sent = since >= 0 ? since : events.latest();
      if (since >= 0) {
        long oldest = events.oldestSeq();
        if (oldest > since + 1) {
          write(
              out,
              ": events " + (since + 1) + " to " + (oldest - 1) + " are no longer retained\n\n");
          sent = oldest - 1;
        }
      }
      while (true) {
        List<ChamberEvent> page = events.after(sent);
        if (!page.isEmpty()) {
          StringBuilder frames = new StringBuilder();
          for (ChamberEvent event : page) {
            frames.append(frame(event));
          }
          write(out, frames.toString());
          sent = page.getLast().seq();
        } else if (!events.awaitAfter(sent, KEEP_ALIVE)) {
          write(out, ": keep-alive\n\n");
        }
      }
    } catch (IOException clientLeft) {
      // nothing to answer to
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
    // Deployments' events (a scaling decision, a deploy) name the deployment, not a chamber.
    boolean ofDeployment = event.kind().equals("scale") || event.kind().equals("deployment");
    data.put(ofDeployment ? "deployment" : "chamber", event.chamber());
    data.put("kind", event.kind());
    data.put("from", event.from().orElse(null));
    data.put("to", event.to());
    data.put("time", event.timeMillis());
    data.put("reason", event.reason().orElse(null));
    return "id: "
        + event.seq()
        + (ofDeployment ? "\nevent: deployment\ndata: " : "\nevent: chamber\ndata: ")
        + json.writeValueAsString(data)
        + "\n\n";
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
