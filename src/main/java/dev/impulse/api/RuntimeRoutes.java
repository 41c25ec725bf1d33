package dev.impulse.api;

import dev.impulse.chamber.ChamberService;
import dev.impulse.chamber.PoolState;
import dev.impulse.image.Baseimages;
import dev.impulse.image.LayerPrune;
import dev.impulse.image.PulledRuntimes;
import dev.impulse.image.RuntimeDefinition;
import dev.impulse.image.Runtimes;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /runtimes}: the runtimes, their aliases, whether their baseimage is built, and their pools
 * of stem cells ({@code PUT /runtimes/{name}/pool} sizes one). {@code PUT /runtimes/{name}} pulls a
 * runtime from a registry, {@code DELETE} forgets a pulled one.
 */
final class RuntimeRoutes {
  static final int MAX_POOL = 64;
  private static final Set<String> IMAGE_FIELDS = Set.of("image", "language", "interpreter");

  private final Runtimes runtimes;
  private final Baseimages baseimages;
  private final Optional<LayerPrune> layerPrune;
  private final ChamberService chambers;
  private final JsonBodies bodies;

  RuntimeRoutes(
      Runtimes runtimes,
      Baseimages baseimages,
      Optional<LayerPrune> layerPrune,
      ChamberService chambers,
      JsonBodies bodies) {
    this.runtimes = runtimes;
    this.baseimages = baseimages;
    this.layerPrune = layerPrune;
    this.chambers = chambers;
    this.bodies = bodies;
  }

  /**
   * A runtime as the API shows it.
   *
   * @param suite the Debian release of a built-in runtime; null for a pulled one
   * @param image the image a pulled runtime comes from; null for a built-in one
   * @param status NOT_BUILT, BUILDING, BUILT or FAILED for a built-in runtime; PULLING, PULLED or
   *     FAILED for a pulled one
   * @param detail the last progress line while building or pulling, the error after a failure
   * @param pool its stem cells
   */
  record RuntimeView(
      String name,
      List<String> aliases,
      String language,
      String suite,
      String image,
      String interpreter,
      boolean built,
      String status,
      String detail,
      PoolState pool) {}

  void register(RoutesConfig routes) {
    routes.get("/runtimes", this::list);
    routes.put("/runtimes/{name}", this::pull);
    routes.delete("/runtimes/{name}", this::delete);
    routes.put("/runtimes/{name}/pool", this::resizePool);
    routes.post("/images/prune", this::pruneImages);
  }

  /** Removes the layers nothing uses: 200 {removed, freedBytes, keptBytes, kept}. */
  private void pruneImages(Context ctx) {
    LayerPrune prune =
        layerPrune.orElseThrow(() -> new InvalidRequestException("this daemon has no layer store"));
    ctx.json(prune.prune());
  }

  private void list(Context ctx) {
    Map<String, PoolState> pools = chambers.pools();
    List<RuntimeView> views = new ArrayList<>();
    runtimes.catalog().runtimes().forEach(r -> views.add(view(r, pools.get(r.name()))));
    pulled().ifPresent(p -> p.statuses().forEach(s -> views.add(view(s, pools.get(s.name())))));
    ctx.json(views);
  }

  /**
   * {@code {"image": REF, "language": L, "interpreter"?: PATH}}: 202 with the runtime PULLING when
   * a pull started, 200 when the runtime already is (or is being) pulled from that image.
   */
  private void pull(Context ctx) {
    PulledRuntimes pulled =
        pulled().orElseThrow(() -> new InvalidRequestException("this daemon cannot pull runtimes"));
    Map<String, Object> body = bodies.readObject(ctx.bodyInputStream());
    for (String field : body.keySet()) {
      if (!IMAGE_FIELDS.contains(field)) {
        throw new InvalidRequestException(
            "unknown field '"
                + field
                + "'; a runtime image takes {\"image\": \"REGISTRY/REPO:TAG\", \"language\":"
                + " \"python|node|java|binary\", \"interpreter\": \"/path\" (optional)}");
      }
    }
    String image = text(body, "image", true).orElseThrow();
    String language = text(body, "language", true).orElseThrow();
    Optional<String> interpreter = text(body, "interpreter", false);
    PulledRuntimes.Answer answer = pulled.put(ctx.pathParam("name"), language, image, interpreter);
    ctx.status(answer.created() || answer.changed() ? 202 : 200);
    ctx.json(view(answer.status(), chambers.pools().get(answer.status().name())));
  }

  private void delete(Context ctx) {
    String name = ctx.pathParam("name");
    if (runtimes.catalog().find(name).isPresent()) {
      throw new dev.impulse.image.RuntimeConflictException(
          "runtime " + name + " is built in; only runtimes pulled from a registry can be deleted");
    }
    Optional<PulledRuntimes> pulled = pulled().filter(p -> p.status(name).isPresent());
    if (pulled.isEmpty()) {
      runtimes.resolve(name); // throws: unknown, 404 with the names there are
      return;
    }
    if (chambers.pools().containsKey(name)) {
      chambers.resizePool(name, 0); // its cells hold the image's layers
    }
    try {
      pulled.get().delete(name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ctx.status(204);
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
    RuntimeDefinition runtime = runtimes.resolve(ctx.pathParam("name"));
    chambers.resizePool(runtime.name(), size);
    Optional<PulledRuntimes.Status> pulledStatus =
        runtime.image().isPresent()
            ? pulled().flatMap(p -> p.status(runtime.name()))
            : Optional.empty();
    PoolState pool = chambers.pools().get(runtime.name());
    ctx.json(pulledStatus.map(s -> view(s, pool)).orElseGet(() -> view(runtime, pool)));
  }

  private Optional<PulledRuntimes> pulled() {
    return runtimes.pulled();
  }

  private static Optional<String> text(Map<String, Object> body, String field, boolean required) {
    Object value = body.get(field);
    if (value == null && !required) {
      return Optional.empty();
    }
    if (!(value instanceof String s) || s.isBlank() || s.length() > 4096) {
      throw new InvalidRequestException(
          field + " must be a non-empty string of at most 4096 characters");
    }
    return Optional.of(s);
  }

  private RuntimeView view(RuntimeDefinition runtime, PoolState pool) {
    Baseimages.Status status = baseimages.status(runtime);
    List<String> aliases =
        runtimes.aliases().entrySet().stream()
            .filter(e -> e.getValue().equals(runtime.name()))
            .map(e -> e.getKey())
            .sorted()
            .toList();
    return new RuntimeView(
        runtime.name(),
        aliases,
        runtime.language().id(),
        runtime.suite(),
        null,
        runtime.interpreter().orElse(null),
        status.phase() == Baseimages.Phase.BUILT,
        status.phase().name(),
        status.detail(),
        pool);
  }

  private static RuntimeView view(PulledRuntimes.Status status, PoolState pool) {
    return new RuntimeView(
        status.name(),
        List.of(),
        status.language().id(),
        null,
        status.image(),
        status.runtime().flatMap(RuntimeDefinition::interpreter).orElse(null),
        status.runtime().isPresent(),
        status.phase().name(),
        status.detail(),
        pool);
  }
}
