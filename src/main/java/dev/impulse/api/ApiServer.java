package dev.impulse.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.chamber.ChamberService;
import dev.impulse.deployment.Deployments;
import dev.impulse.http.ConnectionGuard;
import dev.impulse.image.Baseimages;
import dev.impulse.image.FunctionStore;
import dev.impulse.image.Runtimes;
import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * impulse's HTTP API on Javalin (Jetty 12, virtual threads). Every error is an RFC 9457 problem
 * ({@link ProblemMapper}). Requests pass the {@link RequestGuard} (Host, Origin, token) before any
 * route; connections are bounded by the {@link ConnectionGuard} and Jetty's connection limit.
 * Thread-safe.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

  /** The largest JSON request body accepted. */
  static final int MAX_JSON_BYTES = 64 * 1024;

  /** While the connection limit is reached, idle connections are closed after this long. */
  static final long LIMITED_IDLE_TIMEOUT_MS = 1000;

  /** Request bodies slower than this are cut (a client trickling an upload holds a thread). */
  static final long MIN_REQUEST_BYTES_PER_SECOND = 1024;

  private final ApiSettings settings;
  private final ConnectionGuard connections;
  private final Javalin app;
  private AbstractConnector connector;

  /** Builds the server; {@link #start} binds it. */
  public ApiServer(
      ApiSettings settings,
      ChamberService chambers,
      FunctionStore functions,
      Runtimes runtimes,
      Baseimages baseimages,
      java.util.Optional<dev.impulse.image.LayerPrune> layerPrune,
      java.util.Optional<dev.impulse.bakery.Bakery> bakery,
      java.util.Optional<dev.impulse.bakery.ImageImport> imageImport,
      Deployments deployments,
      java.util.function.Supplier<String> metrics,
      ObjectMapper json) {
    this.settings = settings;
    this.connections =
        new ConnectionGuard(settings.maxConnectionsPerClient(), settings.headerTimeout());
    RequestGuard guard = new RequestGuard(settings);
    StreamSlots streams = new StreamSlots(settings.maxStreams());
    JsonBodies bodies = new JsonBodies(json, MAX_JSON_BYTES);
    ChamberRoutes chamberRoutes = new ChamberRoutes(chambers, bodies, streams, imageImport);
    FunctionRoutes functionRoutes =
        new FunctionRoutes(functions, chambers, deployments, chambers.space());
    RuntimeRoutes runtimeRoutes =
        new RuntimeRoutes(runtimes, baseimages, layerPrune, chambers, bodies);
    ImageRoutes imageRoutes = new ImageRoutes(bakery, bodies);
    EventRoutes eventRoutes = new EventRoutes(chambers.events(), json, streams);
    DeploymentRoutes deploymentRoutes = new DeploymentRoutes(deployments, bodies);
    this.app =
        Javalin.create(config -> {
          config.concurrency.useVirtualThreads = true;
          config.startup.showJavalinBanner = false;
          config.startup.showOldJavalinVersionWarning = false;
          config.http.prefer405over404 = true;
          config.jsonMapper(new JavalinJackson(json, true));
          config.jetty.modifyHttpConfiguration(http -> {
            http.setSendServerVersion(false);
            http.setMinRequestDataRate(MIN_REQUEST_BYTES_PER_SECOND);
          });
          config.jetty.addConnector(this::connector);
          config.jetty.modifyServer(
              server -> server.setErrorHandler(new ProblemErrorHandler(json)));
          config.routes.before(guard::check);
          config.routes.get(RequestGuard.HEALTH_PATH, ctx -> ctx.json(Map.of("status", "ok")));
          config.routes.get(
              "/metrics",
              ctx ->
                  ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                      .result(metrics.get()));
          chamberRoutes.register(config.routes);
          functionRoutes.register(config.routes);
          runtimeRoutes.register(config.routes);
          imageRoutes.register(config.routes);
          eventRoutes.register(config.routes);
          deploymentRoutes.register(config.routes);
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

  /** The one connector: TCP, or a Unix socket; guarded and limited. */
  private Connector connector(Server server, HttpConfiguration http) {
    HttpConnectionFactory factory = new HttpConnectionFactory(http);
    if (settings.unixSocket().isPresent()) {
      UnixDomainServerConnector unix = new UnixDomainServerConnector(server, factory);
      unix.setUnixDomainPath(settings.unixSocket().get());
      connector = unix;
    } else {
      ServerConnector tcp = new ServerConnector(server, factory);
      tcp.setHost(settings.host());
      tcp.setPort(settings.port());
      connector = tcp;
    }
    connector.setIdleTimeout(settings.idleTimeout().toMillis());
    connector.addEventListener(connections);
    NetworkConnectionLimit limit = new NetworkConnectionLimit(settings.maxConnections(), connector);
    limit.setEndPointIdleTimeout(LIMITED_IDLE_TIMEOUT_MS);
    server.addBean(limit);
    return connector;
  }

  /** Binds the configured address and serves. */
  public ApiServer start() {
    settings.unixSocket().ifPresent(ApiServer::prepareSocketPath);
    app.start();
    settings.unixSocket().ifPresent(ApiServer::restrictSocket);
    return this;
  }

  /** The TCP port the server listens on (0 for a Unix socket). */
  public int port() {
    return connector instanceof ServerConnector tcp ? tcp.getLocalPort() : 0;
  }

  /** Makes the socket's directory (0750) and removes a stale socket a dead daemon left. */
  private static void prepareSocketPath(Path socket) {
    try {
      Path dir = socket.toAbsolutePath().getParent();
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
      }
      if (Files.exists(socket) && !Files.isDirectory(socket)) {
        // The data directory's lock already proved no other daemon runs on it.
        Files.delete(socket);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the API socket " + socket, e);
    }
  }

  /** Only root and the socket's group may connect. */
  private static void restrictSocket(Path socket) {
    try {
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
      log.info("API socket {} is mode 0660", socket);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restrict the API socket " + socket, e);
    }
  }

  @Override
  public void close() {
    try {
      app.stop();
    } finally {
      connections.close();
      settings
          .unixSocket()
          .ifPresent(socket -> {
            try {
              Files.deleteIfExists(socket);
            } catch (IOException e) {
              log.warn("cannot remove the API socket {}: {}", socket, e.toString());
            }
          });
    }
  }
}
