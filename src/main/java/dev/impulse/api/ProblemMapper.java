package dev.impulse.api;

import dev.impulse.chamber.ChamberNotFoundException;
import dev.impulse.chamber.ChamberNotRunningException;
import dev.impulse.chamber.FunctionInUseException;
import dev.impulse.chamber.InvalidSpecException;
import dev.impulse.chamber.OverLimitException;
import dev.impulse.chamber.TeardownIncompleteException;
import dev.impulse.deployment.DeploymentsFullException;
import dev.impulse.deployment.FunctionDeployedException;
import dev.impulse.deployment.InvalidDeploymentException;
import dev.impulse.deployment.UnknownDeploymentException;
import dev.impulse.image.FunctionConflictException;
import dev.impulse.image.FunctionStoreFullException;
import dev.impulse.image.FunctionTooLargeException;
import dev.impulse.image.GuestMismatchException;
import dev.impulse.image.InvalidArchiveException;
import dev.impulse.image.InvalidNameException;
import dev.impulse.image.UnknownFunctionException;
import dev.impulse.image.UnknownRuntimeException;
import dev.impulse.image.UploadsBusyException;
import dev.impulse.network.NetworkException;
import dev.impulse.network.PortsExhaustedException;
import dev.impulse.store.DiskFullException;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP answers: each exception type maps to a status and a
 * problem type, and its message (written for people) becomes the detail. Anything unexpected is a
 * 500 whose detail says only where to look: internal text stays in the daemon's log.
 */
final class ProblemMapper {
  private static final Logger log = LoggerFactory.getLogger(ProblemMapper.class);
  private static final String TYPE_PREFIX = "urn:impulse:problem:";

  private static final String ANSWERED = "impulse.problem";

  private ProblemMapper() {}

  /** True when this request's answer is already a problem. */
  static boolean answered(Context ctx) {
    return ctx.attribute(ANSWERED) != null;
  }

  static void handle(Exception e, Context ctx) {
    Problem problem = toProblem(e, ctx.path(), ctx.method().name());
    if (problem.status() == 401) {
      ctx.header("WWW-Authenticate", "Bearer realm=\"impulse\"");
    }
    if (problem.status() == 429 || problem.status() == 503 || problem.status() == 507) {
      ctx.header("Retry-After", "1");
    }
    if (problem.status() == 401 || problem.status() == 403 || problem.status() == 429) {
      // A refused client gets no more from this connection: it cannot pipeline thousands.
      ctx.header("Connection", "close");
    }
    send(ctx, problem);
  }

  static void send(Context ctx, Problem problem) {
    ctx.attribute(ANSWERED, Boolean.TRUE);
    ctx.status(problem.status());
    ctx.contentType(Problem.MEDIA_TYPE);
    ctx.json(problem);
    ctx.contentType(Problem.MEDIA_TYPE);
  }

  static Problem toProblem(Exception e, String path, String method) {
    return switch (e) {
      case AccessDeniedException x ->
          problem(x.status(), x.type(), x.status() == 401 ? "Unauthorized" : "Forbidden", x, path);
      case InvalidRequestException x -> problem(400, "invalid-request", "Invalid request", x, path);
      case OverLimitException x ->
          new Problem(
              TYPE_PREFIX + "over-limit",
              "Over this node's limit",
              422,
              x.getMessage(),
              path,
              Map.of("field", x.field(), "limit", x.limit()));
      case DiskFullException x -> problem(507, "disk-full", "Insufficient storage", x, path);
      case UploadsBusyException x -> problem(429, "uploads-busy", "Too many uploads", x, path);
      case FunctionStoreFullException x ->
          problem(507, "function-store-full", "Insufficient storage", x, path);
      case StreamSlots.TooManyStreamsException x ->
          problem(429, "too-many-streams", "Too many streams", x, path);
      case InvalidNameException x -> problem(400, "invalid-name", "Invalid name", x, path);
      case InvalidSpecException x -> problem(400, "invalid-request", "Invalid request", x, path);
      case ChamberNotRunningException x ->
          problem(409, "not-running", "Chamber not running", x, path);
      case InvalidArchiveException x ->
          problem(400, "invalid-archive", "Invalid function archive", x, path);
      case BodyTooLargeException x ->
          problem(413, "body-too-large", "Request body too large", x, path);
      case FunctionTooLargeException x ->
          problem(413, "body-too-large", "Request body too large", x, path);
      case UnknownRuntimeException x when path.startsWith("/runtimes/") ->
          problem(404, "not-found", "Not found", x, path);
      case UnknownRuntimeException x ->
          new Problem(
              TYPE_PREFIX + "unknown-runtime",
              "Unknown runtime",
              422,
              x.getMessage(),
              path,
              Map.of("available", x.available()));
      case dev.impulse.image.RuntimeNotReadyException x ->
          problem(409, "runtime-not-ready", "Runtime not ready", x, path);
      case dev.impulse.image.RuntimeConflictException x ->
          problem(409, "runtime-conflict", "Runtime conflict", x, path);
      case dev.impulse.image.InvalidRuntimeImageException x ->
          problem(400, "invalid-request", "Invalid request", x, path);
      case dev.impulse.image.RuntimePullException x ->
          problem(422, "image-pull-failed", "Image could not be pulled", x, path);
      case dev.impulse.bakery.BakeryException x ->
          problem(422, "cannot-bake", "Function cannot be baked", x, path);
      case dev.impulse.oci.registry.RegistryException x -> registry(x, path);
      case GuestMismatchException x ->
          problem(422, "runtime-mismatch", "Function does not fit the runtime", x, path);
      case UnknownFunctionException x ->
          // Naming a function that is not there in a chamber request is a bad reference (422);
          // asking for it at its own address is a missing resource (404).
          path.startsWith("/chambers") || path.startsWith("/deployments")
              ? problem(422, "unknown-function", "Unknown function", x, path)
              : problem(404, "not-found", "Not found", x, path);
      case ChamberNotFoundException x -> problem(404, "not-found", "Not found", x, path);
      case UnknownDeploymentException x -> problem(404, "not-found", "Not found", x, path);
      case FunctionDeployedException x ->
          problem(409, "function-in-use", "Function in use", x, path);
      case DeploymentsFullException x ->
          problem(507, "too-many-deployments", "Too many deployments", x, path);
      case InvalidDeploymentException x ->
          problem(400, "invalid-request", "Invalid request", x, path);
      case FunctionInUseException x -> problem(409, "function-in-use", "Function in use", x, path);
      case FunctionConflictException x ->
          problem(409, "function-exists", "Function version exists", x, path);
      case PortsExhaustedException x -> problem(503, "no-free-port", "No free port", x, path);
      case NetworkException x -> network(x, path);
      case TeardownIncompleteException x ->
          problem(503, "destroy-incomplete", "Destroy incomplete", x, path);
      case HttpResponseException x -> fromJavalin(x, path, method);
      case org.eclipse.jetty.http.BadMessageException x -> badMessage(x, path);
      default -> internal(e, path, method);
    };
  }

  /**
   * A registry refused or failed a push or pull the client asked for: 502, as the failure is the
   * registry's (or its credentials'), with the registry's own words; never credentials.
   */
  private static Problem registry(dev.impulse.oci.registry.RegistryException e, String path) {
    log.warn("registry failed at {}: {}", path, e.getMessage());
    return new Problem(
        TYPE_PREFIX + "registry-failed",
        "Registry failed",
        502,
        e.getMessage(),
        path,
        Map.of("kind", e.kind().name()));
  }

  /** The host could not make a chamber's network: the operator's to fix, logged in full. */
  private static Problem network(NetworkException e, String path) {
    log.error("chamber network failed at {}: {}", path, e.getMessage());
    return problem(503, "network-unavailable", "Chamber network unavailable", e, path);
  }

  /**
   * Jetty refused the request while the handler read it: a body slower than the API's minimum rate
   * (408), or a malformed one. The client's doing, so never a 500.
   */
  private static Problem badMessage(org.eclipse.jetty.http.BadMessageException e, String path) {
    int status = e.getCode(); // always a 4xx: Jetty's BadMessageException says so
    return status == 408
        ? new Problem(
            TYPE_PREFIX + "request-timeout",
            "Request timeout",
            408,
            "the request's body came slower than "
                + ApiServer.MIN_REQUEST_BYTES_PER_SECOND
                + " bytes/s; send it at a steady pace",
            path,
            Map.of())
        : new Problem(
            TYPE_PREFIX + "bad-request",
            "Bad request",
            status,
            "the request could not be read: " + e.getReason(),
            path,
            Map.of());
  }

  private static Problem fromJavalin(HttpResponseException e, String path, String method) {
    int status = e.getStatus();
    return switch (status) {
      case 404 ->
          new Problem(
              TYPE_PREFIX + "not-found",
              "Not found",
              404,
              "there is no resource at " + path + "; see the API in README.md",
              path,
              Map.of());
      case 405 ->
          new Problem(
              TYPE_PREFIX + "method-not-allowed",
              "Method not allowed",
              405,
              method + " is not allowed on " + path,
              path,
              Map.of());
      case 413 ->
          new Problem(
              TYPE_PREFIX + "body-too-large",
              "Request body too large",
              413,
              e.getMessage(),
              path,
              Map.of());
      default ->
          status >= 500
              ? internal(e, path, method)
              : new Problem(
                  TYPE_PREFIX + "http-" + status,
                  e.getMessage(),
                  status,
                  e.getMessage(),
                  path,
                  Map.of());
    };
  }

  private static Problem internal(Exception e, String path, String method) {
    String reference = UUID.randomUUID().toString().substring(0, 8);
    log.error("{} {} failed (reference {})", method, path, reference, e);
    return new Problem(
        TYPE_PREFIX + "internal-error",
        "Internal error",
        500,
        "the daemon failed to handle this request; its log has the details under reference "
            + reference,
        path,
        Map.of());
  }

  private static Problem problem(int status, String type, String title, Exception e, String path) {
    return new Problem(TYPE_PREFIX + type, title, status, e.getMessage(), path, Map.of());
  }
}
