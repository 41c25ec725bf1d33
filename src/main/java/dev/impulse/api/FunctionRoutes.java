package dev.impulse.api;

import dev.impulse.chamber.ChamberService;
import dev.impulse.image.FunctionRef;
import dev.impulse.image.FunctionStore;
import dev.impulse.image.StoredFunction;
import dev.impulse.image.UnknownFunctionException;
import dev.impulse.store.SpaceCheck;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;

/** {@code /functions}: upload, list and delete function versions. */
final class FunctionRoutes {
  private final FunctionStore functions;
  private final ChamberService chambers;
  private final SpaceCheck space;
  private final dev.impulse.deployment.Deployments deployments;

  FunctionRoutes(
      FunctionStore functions,
      ChamberService chambers,
      dev.impulse.deployment.Deployments deployments,
      SpaceCheck space) {
    this.functions = functions;
    this.chambers = chambers;
    this.deployments = deployments;
    this.space = space;
  }

  /** A stored function as the API shows it. */
  record FunctionView(
      String app, String version, String digest, long archiveBytes, long createdTimeMillis) {
    static FunctionView of(StoredFunction f) {
      return new FunctionView(
          f.ref().app(), f.ref().version(), f.digest(), f.archiveBytes(), f.createdTimeMillis());
    }
  }

  void register(RoutesConfig routes) {
    routes.put("/functions/{app}/{version}", this::put);
    routes.get(
        "/functions", ctx -> ctx.json(functions.list().stream().map(FunctionView::of).toList()));
    routes.get("/functions/{app}/{version}", this::get);
    routes.delete("/functions/{app}/{version}", this::delete);
  }

  private static FunctionRef ref(Context ctx) {
    return new FunctionRef(ctx.pathParam("app"), ctx.pathParam("version"));
  }

  private void put(Context ctx) {
    FunctionRef ref = ref(ctx);
    space.require("storing function " + ref);
    // The body is opened (and 100 Continue sent) only once the upload is admitted.
    FunctionStore.PutResult result =
        functions.put(ref, (java.util.function.Supplier<java.io.InputStream>) ctx::bodyInputStream);
    ctx.status(result.created() ? HttpStatus.CREATED : HttpStatus.OK);
    ctx.header("Location", "/functions/" + ref.app() + "/" + ref.version());
    ctx.json(FunctionView.of(result.function()));
  }

  private void get(Context ctx) {
    FunctionRef ref = ref(ctx);
    ctx.json(
        FunctionView.of(functions.find(ref).orElseThrow(() -> new UnknownFunctionException(ref))));
  }

  private void delete(Context ctx) {
    // A deployment at zero chambers has none using it, but will start one on the next call.
    deployments.requireUnused(ctx.pathParam("app"), ctx.pathParam("version"));
    chambers.deleteFunction(ref(ctx));
    ctx.status(HttpStatus.NO_CONTENT);
  }
}
