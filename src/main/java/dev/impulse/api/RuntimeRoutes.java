package dev.impulse.api;

import dev.impulse.image.Baseimages;
import dev.impulse.image.RuntimeCatalog;
import dev.impulse.image.RuntimeDefinition;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;

/** {@code /runtimes}: the runtimes, their aliases and whether their baseimage is built. */
final class RuntimeRoutes {
  private final RuntimeCatalog catalog;
  private final Baseimages baseimages;

  RuntimeRoutes(RuntimeCatalog catalog, Baseimages baseimages) {
    this.catalog = catalog;
    this.baseimages = baseimages;
  }

  /**
   * A runtime as the API shows it.
   *
   * @param status NOT_BUILT, BUILDING, BUILT or FAILED
   * @param detail the last progress line while building, the error after a failure
   */
  record RuntimeView(
      String name,
      List<String> aliases,
      String suite,
      String interpreter,
      boolean built,
      String status,
      String detail) {}

  void register(RoutesConfig routes) {
    routes.get("/runtimes", this::list);
  }

  private void list(Context ctx) {
    ctx.json(catalog.runtimes().stream().map(this::view).toList());
  }

  private RuntimeView view(RuntimeDefinition runtime) {
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
        runtime.suite(),
        runtime.interpreter(),
        status.phase() == Baseimages.Phase.BUILT,
        status.phase().name(),
        status.detail());
  }
}
