package dev.impulse.proxy;

import dev.impulse.deployment.Deployments;
import dev.impulse.deployment.Lease;
import dev.impulse.deployment.QueueFullException;
import dev.impulse.deployment.UnknownDeploymentException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;

/**
 * Forwards {@code /{app}/{rest}} to a chamber of {@code app}'s deployment: takes a {@link Lease}
 * (at once, or after waiting up to the activation timeout), lets Jetty's {@link ProxyHandler}
 * stream the exchange, and releases the lease when the answer ends. A chamber that refuses the
 * connection (nothing was sent) is left for another, at most {@link #MAX_ATTEMPTS} tries.
 */
final class ChamberProxy extends ProxyHandler {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ChamberProxy.class);
  static final String CHAMBER_HEADER = "X-Impulse-Chamber";
  static final String REQUEST_ID_HEADER = "X-Request-Id";
  static final int MAX_ATTEMPTS = 3;
  private static final int MAX_REQUEST_ID = 200;
  static final int MAX_ANSWER_HEAD = 16 * 1024;

  private static final String ROUTE = "impulse.route";
  private static final String LEASE = "impulse.lease";
  private static final String ATTEMPT = "impulse.attempt";
  private static final String WAITED = "impulse.waited";
  private static final String REQUEST_ID = "impulse.requestId";
  private static final String KNOWN_APP = "impulse.knownApp";

  private final Deployments deployments;
  private final Duration activationTimeout;
  private final Duration upstreamIdleTimeout;
  private final CallRecorder recorder;
  private final ProxyProblem problems;

  ChamberProxy(
      Deployments deployments,
      Duration activationTimeout,
      Duration upstreamIdleTimeout,
      CallRecorder recorder,
      ProxyProblem problems) {
    this.deployments = deployments;
    this.activationTimeout = activationTimeout;
    this.upstreamIdleTimeout = upstreamIdleTimeout;
    this.recorder = recorder;
    this.problems = problems;
    // One pool for both sides: a call's legs run on the threads that already hold it, without a
    // hand-over to a second pool on each answer.
    setUseServerThreadPool(true);
  }

  /**
   * The chambers' answers are handled on the client's selector threads (see getInvocationType): one
   * per core, so that answers are not all parsed and copied by one thread.
   */
  @Override
  protected HttpClient newHttpClient() {
    org.eclipse.jetty.io.ClientConnector connector = new org.eclipse.jetty.io.ClientConnector();
    connector.setSelectors(EdgeProxy.SELECTORS);
    return new HttpClient(
        new org.eclipse.jetty.client.transport.HttpClientTransportDynamic(connector));
  }

  @Override
  protected void configureHttpClient(HttpClient client) {
    super.configureHttpClient(client);
    // The leases bound requests per chamber; the pool only needs to keep up with them.
    client.setMaxConnectionsPerDestination(1024);
    client.setIdleTimeout(upstreamIdleTimeout.toMillis());
    client.setConnectTimeout(2000);
    // A function's answer head is held whole while it is parsed: bounded, or one function could
    // fill the daemon's heap with headers.
    client.setMaxResponseHeadersSize(MAX_ANSWER_HEAD);
    // See getInvocationType: the chamber's answers are handled where they are read, too.
    client.getHttpClientTransport().setInvocationType(InvocationType.NON_BLOCKING);
  }

  /**
   * Nothing here waits: a lease is taken at once or as a future, the exchange is Jetty's
   * asynchronous proxy, and the proxy's own answers are asynchronous writes. So Jetty runs each
   * call on the thread that read it instead of handing it to another thread, and the answer the
   * same way: a quarter less CPU per call (BENCHMARKS.md, Function service). The price is that
   * anything that blocks here stops every call; DeploymentIT holds a stalled function and a caller
   * that does not read while other calls go through.
   */
  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    long start = System.nanoTime();
    String given = request.getHeaders().get(REQUEST_ID_HEADER);
    String requestId =
        given != null && !given.isBlank() && given.length() <= MAX_REQUEST_ID
            ? given
            : UUID.randomUUID().toString();
    request.setAttribute(REQUEST_ID, requestId);
    response.getHeaders().put(REQUEST_ID_HEADER, requestId);
    // The exchange ends whatever the bookkeeping does: a throw in it must not leave the caller's
    // connection hanging.
    Callback done =
        Callback.from(
            () -> {
              try {
                finish(request, response, start);
              } finally {
                callback.succeeded();
              }
            },
            failure -> {
              try {
                finish(request, response, start);
              } finally {
                callback.failed(failure);
              }
            });
    Route route = Route.of(request.getHttpURI().getPath());
    if (route == null) {
      problems.write(
          request,
          response,
          done,
          404,
          "not-found",
          "Not found",
          "call a function at /{app}/{path}, where app names a deployment");
      return true;
    }
    request.setAttribute(ROUTE, route);
    dispatch(route, request, response, done, 1);
    return true;
  }

  private void finish(Request request, Response response, long start) {
    Lease lease = (Lease) request.removeAttribute(LEASE);
    if (lease != null) {
      lease.release();
    }
    Route route = (Route) request.getAttribute(ROUTE);
    // Only a deployment's name becomes a label: any caller can make up app names.
    boolean known = route != null && request.getAttribute(KNOWN_APP) != null;
    recorder.called(
        known ? route.app() : "",
        lease == null ? "" : lease.version(),
        response.getStatus(),
        System.nanoTime() - start,
        request.getAttribute(WAITED) != null);
  }

  private void dispatch(
      Route route, Request request, Response response, Callback callback, int attempt) {
    CompletableFuture<Lease> lease;
    try {
      lease = deployments.acquire(route.app());
    } catch (UnknownDeploymentException e) {
      problems.write(request, response, callback, 404, "not-found", "Not found", e.getMessage());
      return;
    } catch (QueueFullException e) {
      request.setAttribute(KNOWN_APP, Boolean.TRUE);
      response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
      problems.write(
          request, response, callback, 429, "queue-full", "Too many requests", e.getMessage());
      return;
    }
    request.setAttribute(KNOWN_APP, Boolean.TRUE);
    if (lease.isDone() && !lease.isCompletedExceptionally()) {
      forward(request, response, callback, lease.join(), attempt);
      return;
    }
    request.setAttribute(WAITED, Boolean.TRUE);
    // A caller who leaves while waiting leaves the queue (and is not counted as load) at once.
    request.addFailureListener(lease::completeExceptionally);
    lease
        .orTimeout(activationTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .whenCompleteAsync(
            (taken, failure) -> {
              if (failure == null) {
                forward(request, response, callback, taken, attempt);
              } else {
                problems.activationFailed(
                    route, request, response, callback, failure, activationTimeout);
              }
            },
            getServer().getThreadPool());
  }

  private void forward(
      Request request, Response response, Callback callback, Lease lease, int attempt) {
    request.setAttribute(LEASE, lease);
    request.setAttribute(ATTEMPT, attempt);
    response.getHeaders().put(CHAMBER_HEADER, lease.chamber());
    try {
      // A retry on another chamber comes back with the paced pair: counted on, not wrapped again.
      Request paced = request instanceof PacedRequest ? request : new PacedRequest(request);
      Response pacedResponse =
          response instanceof PacedResponse ? response : new PacedResponse(paced, response);
      super.handle(paced, pacedResponse, callback);
    } catch (IllegalArgumentException badTarget) {
      // A path the chamber's URI cannot hold (dot segments the caller kept, say): the caller's.
      request.removeAttribute(LEASE);
      lease.release();
      problems.write(
          request,
          response,
          callback,
          400,
          "bad-request",
          "Bad request",
          "the path cannot be forwarded: " + badTarget.getMessage());
    }
  }

  @Override
  protected HttpURI rewriteHttpURI(Request request) {
    Lease lease = (Lease) request.getAttribute(LEASE);
    Route route = (Route) request.getAttribute(ROUTE);
    return HttpURI.build()
        .scheme("http")
        .host(lease.target().getAddress().getHostAddress())
        .port(lease.target().getPort())
        .path(route.path())
        .query(request.getHttpURI().getQuery());
  }

  @Override
  protected void addProxyHeaders(Request request, org.eclipse.jetty.client.Request upstream) {
    String remote = Request.getRemoteAddr(request);
    String forwardedFor = request.getHeaders().get("X-Forwarded-For");
    String host = request.getHeaders().get(HttpHeader.HOST);
    String requestId = (String) request.getAttribute(REQUEST_ID);
    upstream.headers(headers -> {
      headers.put(
          "X-Forwarded-For",
          forwardedFor == null || forwardedFor.isBlank() ? remote : forwardedFor + ", " + remote);
      if (host != null) {
        headers.put("X-Forwarded-Host", host);
      }
      headers.put("X-Forwarded-Proto", "http");
      headers.put(REQUEST_ID_HEADER, requestId);
    });
  }

  /**
   * The caller's body, streamed as it comes. When a chamber refuses the connection nothing of it
   * was read: it must not be failed with the refusal, or the retry on another chamber would read
   * that failure instead of the body.
   */
  @Override
  protected org.eclipse.jetty.client.Request.Content newProxyToServerRequestContent(
      Request request, Response response, org.eclipse.jetty.client.Request upstream) {
    return new ProxyRequestContent(request) {
      @Override
      public void fail(Throwable failure, boolean last) {
        if (!CallFailures.refused(failure)) {
          super.fail(failure, last);
        }
      }
    };
  }

  @Override
  protected HttpField filterServerToProxyResponseField(HttpField field) {
    // Only the proxy says which chamber answered and which request it was.
    String name = field.getName();
    return CHAMBER_HEADER.equalsIgnoreCase(name) || REQUEST_ID_HEADER.equalsIgnoreCase(name)
        ? null
        : field;
  }

  /** Interim answers would carry a function's headers past the filter: they are dropped. */
  @Override
  protected void onServerToProxyResponse102Processing(
      Request request,
      org.eclipse.jetty.client.Request upstream,
      org.eclipse.jetty.http.HttpFields headers,
      Response response) {}

  @Override
  protected void onServerToProxyResponse103EarlyHints(
      Request request,
      org.eclipse.jetty.client.Request upstream,
      org.eclipse.jetty.http.HttpFields headers,
      Response response) {}

  @Override
  protected void copyRequestHeaders(Request request, org.eclipse.jetty.client.Request upstream) {
    super.copyRequestHeaders(request, upstream);
    // The proxy says who called, in X-Forwarded-*; a caller's own claims in other headers go.
    upstream.headers(headers -> {
      headers.remove(HttpHeader.FORWARDED);
      headers.remove("X-Real-IP");
    });
  }

  @Override
  protected void onServerToProxyResponseFailure(
      Request request,
      org.eclipse.jetty.client.Request upstream,
      org.eclipse.jetty.client.Response upstreamResponse,
      Response response,
      Callback callback,
      Throwable failure) {
    Lease lease = (Lease) request.getAttribute(LEASE);
    int attempt = (Integer) request.getAttribute(ATTEMPT);
    if (response.isCommitted()) {
      callback.failed(failure); // part of the answer went out: all that is left is to cut it
      return;
    }
    String requestId = (String) request.getAttribute(REQUEST_ID);
    response.reset();
    response.getHeaders().put(REQUEST_ID_HEADER, requestId);
    if (CallFailures.refused(failure) && attempt < MAX_ATTEMPTS) {
      request.removeAttribute(LEASE);
      lease.failed();
      // Off the I/O thread: the log line may wait (a stdout that does not drain), and a refusing
      // function must not stall everyone's calls with it.
      try {
        getServer()
            .getThreadPool()
            .execute(() -> {
              log.info(
                  "chamber {} at {} refused a connection; the call goes to another (try {} of {})",
                  lease.chamber(),
                  lease.target(),
                  attempt + 1,
                  MAX_ATTEMPTS);
              dispatch(
                  (Route) request.getAttribute(ROUTE), request, response, callback, attempt + 1);
            });
      } catch (java.util.concurrent.RejectedExecutionException stopping) {
        problems.unavailable(request, response, callback, "the edge proxy is stopping; try again");
      }
      return;
    }
    response.getHeaders().put(CHAMBER_HEADER, lease.chamber());
    Throwable callerSide = request instanceof PacedRequest paced ? paced.callerFailure() : null;
    SlowCallerException slow =
        callerSide instanceof SlowCallerException s ? s : CallFailures.slowCaller(failure);
    if (slow == null && callerSide instanceof TimeoutException) {
      // The caller went silent in the middle of its body while the proxy waited for it: its
      // doing, not the chamber's (the lease is released as usual, never failed).
      problems.requestTimeout(
          request, response, callback, "the request's body stopped coming; send it whole");
    } else if (slow == null && callerSide != null) {
      // The caller hung up in the middle of its body: nobody to answer, nothing the chamber did.
      callback.failed(callerSide);
    } else if (slow != null) {
      // The caller's fault, not the chamber's: its lease is released as usual.
      problems.requestTimeout(
          request, response, callback, slow.getMessage() + "; send the body at a steady pace");
    } else if (failure instanceof TimeoutException) {
      problems.write(
          request,
          response,
          callback,
          504,
          "chamber-timeout",
          "Gateway timeout",
          "the function sent nothing for " + upstreamIdleTimeout.toMillis() + " ms");
    } else {
      // It died, or broke the call: the calls after this one go to another chamber. Left to
      // the exit's event, they would race it to the same dead chamber's pooled connections.
      // (The lease stays for the call's metrics; its release at the end is then a no-op.)
      lease.failed();
      problems.write(
          request,
          response,
          callback,
          502,
          "chamber-failed",
          "Bad gateway",
          "the function's chamber failed before it answered ("
              + CallFailures.describe(failure)
              + "); its logs may say why");
    }
  }
}
