package dev.impulse.api;

import dev.impulse.chamber.Chamber;
import dev.impulse.chamber.ChamberService;
import dev.impulse.chamber.ChamberSpec;
import dev.impulse.chamber.LogLine;
import dev.impulse.chamber.LogSink;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** {@code /chambers}: create, list, inspect, destroy chambers; read their logs and stats. */
final class ChamberRoutes {
  /** Bytes of log text gathered before they are written to the client. */
  static final int LOG_BUFFER = 64 * 1024;

  private final ChamberService chambers;
  private final JsonBodies bodies;
  private final StreamSlots streams;
  private final java.util.Optional<dev.impulse.bakery.ImageImport> images;

  ChamberRoutes(
      ChamberService chambers,
      JsonBodies bodies,
      StreamSlots streams,
      java.util.Optional<dev.impulse.bakery.ImageImport> images) {
    this.images = images;
    this.chambers = chambers;
    this.bodies = bodies;
    this.streams = streams;
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
        ctx -> {
          String id = ctx.pathParam("id");
          Map<String, Object> startup = new java.util.LinkedHashMap<>();
          startup.put("source", chambers.startedFrom(id).isPresent() ? "pool" : "cold");
          chambers.startedFrom(id).ifPresent(cell -> startup.put("cell", cell));
          startup.put("steps", chambers.startup(id));
          ctx.json(startup);
        });
  }

  private ChamberView view(Chamber chamber) {
    return ChamberView.of(chamber, chambers.address(chamber));
  }

  private void create(Context ctx) {
    Map<String, Object> given = bodies.readObject(ctx.bodyInputStream());
    if (given.containsKey("image")) {
      given = fromImage(given);
    }
    Chamber chamber = chambers.create(ChamberSpec.fromGiven(given));
    ctx.status(HttpStatus.CREATED);
    ctx.header("Location", "/chambers/" + chamber.id());
    ctx.json(view(chamber));
  }

  /**
   * {@code {"image": REF, ...}}: the function and runtime come from the baked image (pulled, its
   * guest stored and its runtime registered first); the other fields are a chamber's.
   */
  private Map<String, Object> fromImage(Map<String, Object> given) {
    for (String named : java.util.List.of("app", "version", "runtime")) {
      if (given.containsKey(named)) {
        throw new InvalidRequestException(
            "a chamber from an image takes its app, version and runtime from the image; leave out"
                + " '"
                + named
                + "'");
      }
    }
    if (!(given.get("image") instanceof String image) || image.isBlank() || image.length() > 4096) {
      throw new InvalidRequestException(
          "image must be a reference REGISTRY/REPO:TAG or REGISTRY/REPO@sha256:... of a baked image");
    }
    dev.impulse.bakery.ImageImport.Resolved resolved =
        images
            .orElseThrow(() -> new InvalidRequestException("this daemon cannot pull images"))
            .resolve(image);
    Map<String, Object> spec = new java.util.LinkedHashMap<>(given);
    spec.remove("image");
    spec.put("app", resolved.app());
    spec.put("version", resolved.version());
    spec.put("runtime", resolved.runtime());
    return spec;
  }

  private void list(Context ctx) {
    ctx.json(chambers.list().stream().map(this::view).toList());
  }

  private void get(Context ctx) {
    ctx.json(view(chambers.get(ctx.pathParam("id"))));
  }

  private void destroy(Context ctx) {
    chambers.destroy(ctx.pathParam("id"));
    ctx.status(HttpStatus.NO_CONTENT);
  }

  private void stats(Context ctx) {
    ctx.json(chambers.stats(ctx.pathParam("id")));
  }

  /**
   * Streams the log: it is read and written a line at a time, never held whole. Every read takes a
   * stream slot, not only a follow: a client reading slowly holds its buffers as long as it likes.
   */
  private void logs(Context ctx) throws Exception {
    String id = ctx.pathParam("id");
    int tail = Queries.intParam(ctx, "tail", -1, 0, Integer.MAX_VALUE);
    boolean timestamps = Queries.boolParam(ctx, "timestamps", false);
    boolean follow = Queries.boolParam(ctx, "follow", false);
    chambers.get(id); // a 404 before the answer starts
    try (AutoCloseable slot = streams.take()) {
      ctx.status(HttpStatus.OK);
      ctx.contentType("text/plain; charset=utf-8");
      OutputStream out = new BufferedOutputStream(ctx.res().getOutputStream(), LOG_BUFFER);
      LogSink sink = new TextSink(out, timestamps);
      if (follow) {
        chambers.followLogs(id, tail, sink);
      } else {
        chambers.logs(id, tail, sink);
      }
      out.flush();
    } catch (IOException clientLeft) {
      // nothing to answer to
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Writes lines as text, optionally with their time and stream. */
  private record TextSink(OutputStream out, boolean timestamps) implements LogSink {
    @Override
    public void line(LogLine line) throws IOException {
      if (timestamps) {
        out.write((line.time() + ' ' + line.stream() + ' ').getBytes(StandardCharsets.UTF_8));
      }
      out.write(line.text().getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }
  }
}
