package dev.impulse.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.chamber.Chamber;
import dev.impulse.chamber.ChamberService;
import dev.impulse.chamber.ChamberSpec;
import dev.impulse.runtime.ContainerLog;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code /chambers}: create, list, inspect, destroy chambers and read their logs. */
final class ChamberRoutes {
  static final Set<String> CREATE_FIELDS = Set.of("app", "version", "runtime");

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
  }

  private void create(Context ctx) {
    JsonNode body = bodies.readObject(ctx.bodyInputStream(), CREATE_FIELDS);
    ChamberSpec spec =
        new ChamberSpec(
            JsonBodies.requiredString(body, "app"),
            JsonBodies.requiredString(body, "version"),
            JsonBodies.requiredString(body, "runtime"));
    Chamber chamber = chambers.create(spec);
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

  private void logs(Context ctx) {
    int tail = Queries.intParam(ctx, "tail", -1, 0, Integer.MAX_VALUE);
    boolean timestamps = Queries.boolParam(ctx, "timestamps", false);
    List<ContainerLog.Line> lines = chambers.logs(ctx.pathParam("id"), tail);
    String text =
        lines.stream()
            .map(l -> timestamps ? l.time() + " " + l.stream() + " " + l.text() : l.text())
            .collect(Collectors.joining("\n", "", lines.isEmpty() ? "" : "\n"));
    ctx.contentType("text/plain; charset=utf-8");
    ctx.result(text);
  }
}
