package dev.impulse.api;

import dev.impulse.chamber.Chamber;
import dev.impulse.chamber.ChamberService;
import dev.impulse.chamber.SpecJson;
import dev.impulse.runtime.ContainerLog;
import dev.impulse.runtime.LogFollower;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** {@code /chambers}: create, list, inspect, destroy chambers; read their logs and stats. */
final class ChamberRoutes {
  static final Duration FOLLOW_POLL = Duration.ofMillis(200);

  private final ChamberService chambers;
  private final JsonBodies bodies;

  ChamberRoutes(ChamberService chambers, JsonBodies bodies) {
    this.chambers = chambers;
    this.bodies = bodies;
  }

  void register(RoutesConfig routes) {
    routes.post("/chambers", this::create);
    routes.get("/chambers", this::list);
    routes.get("/chambers/{id}", this::get);
    routes.delete("/chambers/{id}", this::destroy);
    routes.get("/chambers/{id}/logs", this::logs);
    routes.get("/chambers/{id}/stats", this::stats);
    routes.get(
        "/chambers/{id}/startup",
        ctx -> ctx.json(Map.of("steps", chambers.startup(ctx.pathParam("id")))));
  }

  private void create(Context ctx) {
    Chamber chamber = chambers.create(SpecJson.parse(bodies.readObject(ctx.bodyInputStream())));
    ctx.status(HttpStatus.CREATED);
    ctx.header("Location", "/chambers/" + chamber.id());
    ctx.json(ChamberView.of(chamber));
  }

  private void list(Context ctx) {
    ctx.json(chambers.list().stream().map(ChamberView::of).toList());
  }

  private void get(Context ctx) {
    ctx.json(ChamberView.of(chambers.get(ctx.pathParam("id"))));
  }

  private void destroy(Context ctx) {
    chambers.destroy(ctx.pathParam("id"));
    ctx.status(HttpStatus.NO_CONTENT);
  }

  private void stats(Context ctx) {
    ctx.json(chambers.stats(ctx.pathParam("id")));
  }

  private void logs(Context ctx) throws IOException {
    String id = ctx.pathParam("id");
    int tail = Queries.intParam(ctx, "tail", -1, 0, Integer.MAX_VALUE);
    boolean timestamps = Queries.boolParam(ctx, "timestamps", false);
    boolean follow = Queries.boolParam(ctx, "follow", false);
    if (!follow) {
      ctx.contentType("text/plain; charset=utf-8");
      ctx.result(render(chambers.logs(id, tail), timestamps));
      return;
    }
    LogFollower follower = new LogFollower(chambers.logFile(id));
    ctx.contentType("text/plain; charset=utf-8");
    ctx.status(HttpStatus.OK);
    OutputStream out = ctx.res().getOutputStream();
    try {
      write(out, render(follower.start(tail), timestamps));
      // Until the chamber has ended and its log is read to the end, or the client leaves.
      while (true) {
        boolean ended = chambers.find(id).map(c -> c.status().isTerminal()).orElse(true);
        List<ContainerLog.Line> lines = follower.poll();
        write(out, render(lines, timestamps));
        if (ended && lines.isEmpty()) {
          return;
        }
        Thread.sleep(FOLLOW_POLL.toMillis());
      }
    } catch (IOException clientLeft) {
      // nothing to answer to
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static String render(List<ContainerLog.Line> lines, boolean timestamps) {
    StringBuilder text = new StringBuilder();
    for (ContainerLog.Line line : lines) {
      if (timestamps) {
        text.append(line.time()).append(' ').append(line.stream()).append(' ');
      }
      text.append(line.text()).append('\n');
    }
    return text.toString();
  }
}
