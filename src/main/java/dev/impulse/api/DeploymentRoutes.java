package dev.impulse.api;

import dev.impulse.deployment.DeploymentState;
import dev.impulse.deployment.Deployments;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code /deployments}: create or change, list, inspect and delete deployments. */
final class DeploymentRoutes {
  private final Deployments deployments;
  private final JsonBodies bodies;

  DeploymentRoutes(Deployments deployments, JsonBodies bodies) {
    this.deployments = deployments;
    this.bodies = bodies;
  }

  void register(RoutesConfig routes) {
    routes.put("/deployments/{app}", this::put);
    routes.get(
        "/deployments",
        ctx -> ctx.json(deployments.list().stream().map(DeploymentRoutes::view).toList()));
    routes.get("/deployments/{app}", ctx -> ctx.json(view(deployments.get(ctx.pathParam("app")))));
    routes.delete("/deployments/{app}", this::delete);
  }

  private void put(Context ctx) {
    String app = ctx.pathParam("app");
    Deployments.Put put = deployments.put(app, bodies.readObject(ctx.bodyInputStream()));
    ctx.status(put.created() ? HttpStatus.CREATED : HttpStatus.OK);
    if (put.created()) {
      ctx.header("Location", "/deployments/" + app);
    }
    ctx.json(view(put.state()));
  }

  private void delete(Context ctx) throws InterruptedException {
    deployments.delete(ctx.pathParam("app"));
    ctx.status(HttpStatus.NO_CONTENT);
  }

  /** A deployment as JSON: its spec and scaling as given, then its live state. */
  static Map<String, Object> view(DeploymentState d) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("app", d.app());
    view.put("spec", d.spec());
    view.put("scaling", d.scaling());
    view.put("chambers", d.chambers());
    view.put("inFlight", d.inFlight());
    view.put("queued", d.queued());
    d.lastDecision()
        .ifPresent(decision -> {
          Map<String, Object> last = new LinkedHashMap<>();
          last.put("desired", decision.desired());
          last.put("reason", decision.reason());
          last.put("timeMillis", decision.timeMillis());
          view.put("lastDecision", last);
        });
    view.put("createdTimeMillis", d.createdTimeMillis());
    view.put("updatedTimeMillis", d.updatedTimeMillis());
    return view;
  }
}
