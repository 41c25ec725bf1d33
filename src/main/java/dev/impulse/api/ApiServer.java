package dev.impulse.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.chamber.ChamberService;
import dev.impulse.image.Baseimages;
import dev.impulse.image.FunctionStore;
import dev.impulse.image.RuntimeCatalog;
import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import java.util.Map;

/**
 * impulse's HTTP API on Javalin (Jetty 12, virtual threads). Every error is an RFC 9457 problem
 * ({@link ProblemMapper}). Thread-safe.
 */
public final class ApiServer implements AutoCloseable {
  /** The largest JSON request body accepted. */
  static final int MAX_JSON_BYTES = 64 * 1024;

  private final Javalin app;

  /** Builds the server; {@link #start} binds it. */
  public ApiServer(
      ChamberService chambers,
      FunctionStore functions,
      RuntimeCatalog catalog,
      Baseimages baseimages,
      ObjectMapper json) {
    JsonBodies bodies = new JsonBodies(json, MAX_JSON_BYTES);
    ChamberRoutes chamberRoutes = new ChamberRoutes(chambers, bodies);
    FunctionRoutes functionRoutes = new FunctionRoutes(functions, chambers);
    RuntimeRoutes runtimeRoutes = new RuntimeRoutes(catalog, baseimages);
    EventRoutes eventRoutes = new EventRoutes(chambers.events(), json);
    this.app =
        Javalin.create(config -> {
          config.concurrency.useVirtualThreads = true;
          config.startup.showJavalinBanner = false;
          config.startup.showOldJavalinVersionWarning = false;
          config.http.prefer405over404 = true;
          config.jsonMapper(new JavalinJackson(json, true));
          config.routes.get("/healthz", ctx -> ctx.json(Map.of("status", "ok")));
          chamberRoutes.register(config.routes);
          functionRoutes.register(config.routes);
          runtimeRoutes.register(config.routes);
          eventRoutes.register(config.routes);
          config.routes.exception(Exception.class, ProblemMapper::handle);
          // Javalin answers unknown paths and wrong methods itself, through error handlers only.
          for (int status : new int[] {404, 405}) {
            config.routes.error(
                status,
                ctx -> {
                  if (!ProblemMapper.answered(ctx)) {
                    ProblemMapper.handle(new HttpResponseException(status), ctx);
                  }
                });
          }
        });
  }

  /** Binds {@code host:port} (port 0: any free port) and serves. */
  public ApiServer start(String host, int port) {
    app.start(host, port);
    return this;
  }

  /** The port the server listens on. */
  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }
}
