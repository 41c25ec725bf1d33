package dev.impulse.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.deployment.Deployments;
import dev.impulse.http.ConnectionGuard;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The edge proxy's server: one listener, one {@link ChamberProxy}. */
public final class EdgeProxy implements AutoCloseable {
  /**
   * Selector threads on each side of the proxy; calls and answers are handled on them. One per core
   * up to 8: each is a thread of the proxy's pool for good.
   */
  static final int SELECTORS = Math.clamp(Runtime.getRuntime().availableProcessors(), 1, 8);

  private static final Logger log = LoggerFactory.getLogger(EdgeProxy.class);

  private final Server server;
  private final ServerConnector connector;
  private final ConnectionGuard guard;

  public EdgeProxy(
      ProxySettings settings, Deployments deployments, CallRecorder recorder, ObjectMapper json) {
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("proxy");
    this.server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    // A caller trickling a body or reading an answer slowly would hold a chamber's place: Jetty
    // 12's own data rates are not enforced by a core handler, so ChamberProxy paces each call
    // (PacedRequest, PacedResponse).
    // Calls run on the selector threads (ChamberProxy.getInvocationType): one per core.
    this.connector = new ServerConnector(server, -1, SELECTORS, new HttpConnectionFactory(http));
    connector.setHost(settings.host());
    connector.setPort(settings.port());
    connector.setIdleTimeout(settings.idleTimeout().toMillis());
    this.guard = new ConnectionGuard(settings.maxConnectionsPerClient(), settings.headerTimeout());
    connector.addEventListener(guard);
    server.addConnector(connector);
    server.addBean(new NetworkConnectionLimit(settings.maxConnections(), connector));
    server.setHandler(
        new ChamberProxy(
            deployments,
            settings.activationTimeout(),
            settings.upstreamIdleTimeout(),
            recorder,
            new ProxyProblem(json)));
  }

  /** Binds and serves. */
  public EdgeProxy start() {
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException(
          "the edge proxy could not listen on "
              + connector.getHost()
              + ":"
              + connector.getPort()
              + " ("
              + e.getMessage()
              + "); pick another --proxy-listen",
          e);
    }
    log.info("edge proxy serving on http://{}:{}", connector.getHost(), port());
    return this;
  }

  /** The port it listens on. */
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      log.warn("stopping the edge proxy failed: {}", e.toString());
    } finally {
      guard.close();
    }
  }
}
