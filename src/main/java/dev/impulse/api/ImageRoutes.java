package dev.impulse.api;

import dev.impulse.bakery.BakedImage;
import dev.impulse.bakery.Bakery;
import dev.impulse.image.FunctionRef;
import dev.impulse.oci.registry.ImageReference;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code POST /functions/{app}/{version}/images}: the bakery. {@code {"runtime": R, "push":
 * "REGISTRY/REPO:TAG"}} bakes and pushes (201 with the reference and the manifest's digest); {@code
 * {"runtime": R, "ociArchive": true}} answers the image as a tar of an OCI image layout.
 */
final class ImageRoutes {
  private static final Set<String> FIELDS = Set.of("runtime", "push", "ociArchive");

  private final Optional<Bakery> bakery;
  private final JsonBodies bodies;

  ImageRoutes(Optional<Bakery> bakery, JsonBodies bodies) {
    this.bakery = bakery;
    this.bodies = bodies;
  }

  /** What a push answers. */
  record PushView(String app, String version, String runtime, String reference, String digest) {}

  void register(RoutesConfig routes) {
    routes.post("/functions/{app}/{version}/images", this::bake);
  }

  private void bake(Context ctx) throws IOException {
    Bakery bakery =
        this.bakery.orElseThrow(() -> new InvalidRequestException("this daemon has no bakery"));
    FunctionRef ref = new FunctionRef(ctx.pathParam("app"), ctx.pathParam("version"));
    Map<String, Object> body = bodies.readObject(ctx.bodyInputStream());
    for (String field : body.keySet()) {
      if (!FIELDS.contains(field)) {
        throw new InvalidRequestException(
            "unknown field '"
                + field
                + "'; a bake takes {\"runtime\": NAME, \"push\": \"REGISTRY/REPO:TAG\"} or"
                + " {\"runtime\": NAME, \"ociArchive\": true}");
      }
    }
    if (!(body.get("runtime") instanceof String runtime) || runtime.isBlank()) {
      throw new InvalidRequestException("runtime must name the runtime to bake on (GET /runtimes)");
    }
    Object push = body.get("push");
    boolean archive = Boolean.TRUE.equals(body.get("ociArchive"));
    if ((push == null) == !archive || (push != null && !(push instanceof String))) {
      throw new InvalidRequestException(
          "give either \"push\": \"REGISTRY/REPO:TAG\" (a string) or \"ociArchive\": true");
    }
    ImageReference target = push == null ? null : Bakery.target((String) push);
    try (BakedImage baked = bakery.bake(ref, runtime)) {
      if (target != null) {
        Bakery.Pushed pushed = bakery.push(baked, target);
        ctx.status(201);
        ctx.header("Location", "/functions/" + ref.app() + "/" + ref.version());
        ctx.json(
            new PushView(
                ref.app(), ref.version(), runtime, pushed.reference(), pushed.digest().toString()));
        return;
      }
      ctx.status(200);
      ctx.contentType("application/x-tar");
      ctx.header("Content-Length", Long.toString(baked.archiveSize()));
      ctx.header(
          "Content-Disposition",
          "attachment; filename=\"" + ref.app() + "-" + ref.version() + ".oci.tar\"");
      ctx.header("Docker-Content-Digest", baked.image().digest().toString());
      OutputStream out = ctx.res().getOutputStream();
      baked.writeArchive(out);
      out.flush();
    }
  }
}
