package dev.impulse.api;

import dev.impulse.chamber.ChamberService;
import dev.impulse.chamber.PoolState;
import dev.impulse.image.Baseimages;
import dev.impulse.image.RuntimeCatalog;
import dev.impulse.image.RuntimeDefinition;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/**
 * {@code /runtimes}: the runtimes, their aliases, whether their baseimage is built, and their pools
 * of stem cells ({@code PUT /runtimes/{name}/pool} sizes one).
 */
final class RuntimeRoutes {
  static final int MAX_POOL = 64;

  private final RuntimeCatalog catalog;
  private final Baseimages baseimages;
  private final ChamberService chambers;
  private final JsonBodies bodies;

  RuntimeRoutes(
      RuntimeCatalog catalog, Baseimages baseimages, ChamberService chambers, JsonBodies bodies) {
    this.catalog = catalog;
    this.baseimages = baseimages;
    this.chambers = chambers;
    this.bodies = bodies;
  }

  /**
   * A runtime as the API shows it.
   *
   * @param status NOT_BUILT, BUILDING, BUILT or FAILED
   * @param detail the last progress line while building, the error after a failure
   * @param pool its stem cells
   */
  record RuntimeView(
      String name,
      List<String> aliases,
      String language,
      String suite,
      String interpreter,
      boolean built,
      String status,
      String detail,
      PoolState pool) {}

  void register(RoutesConfig routes) {
    routes.get("/runtimes", this::list);
    routes.put("/runtimes/{name}/pool", this::resizePool);
  }

  private void list(Context ctx) {
    Map<String, PoolState> pools = chambers.pools();
    ctx.json(catalog.runtimes().stream().map(r -> view(r, pools.get(r.name()))).toList());
  }

  /** {@code {"size": N}}, 0 to {@link #MAX_POOL}: answers the pool as it is now. */
  private void resizePool(Context ctx) {
    Map<String, Object> body = bodies.readObject(ctx.bodyInputStream());
    for (String field : body.keySet()) {
      if (!field.equals("size")) {
        throw new InvalidRequestException(
            "unknown field '" + field + "'; a pool takes {\"size\": N}");
      }
    }
    if (!(body.get("size") instanceof Integer size) || size < 0 || size > MAX_POOL) {
      throw new InvalidRequestException(
          "size must be a whole number from 0 to " + MAX_POOL + " (the cells to keep ready)");
    }
    RuntimeDefinition runtime = catalog.resolve(ctx.pathParam("name"));
    chambers.resizePool(runtime.name(), size);
    ctx.json(view(runtime, chambers.pools().get(runtime.name())));
  }

  private RuntimeView view(RuntimeDefinition runtime, PoolState pool) {
    Baseimages.Status status = baseimages.status(runtime);
    List<String> aliases =
        catalog.aliases().entrySet().stream()
            .filter(e -> e.getValue().equals(runtime.name()))
            .map(e -> e.getKey())
            .sorted()
            .toList();
    return new RuntimeView(
        runtime.name(),
        aliases,
        runtime.language().id(),
        runtime.suite(),
        runtime.interpreter().orElse(null),
        status.phase() == Baseimages.Phase.BUILT,
        status.phase().name(),
        status.detail(),
        pool);
  }
}
