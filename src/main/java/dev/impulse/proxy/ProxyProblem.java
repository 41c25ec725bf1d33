package dev.impulse.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The proxy's own answers: RFC 9457 problems like the API's ({@code urn:impulse:problem:<kind>}),
 * so a caller can tell the proxy's 502 from a function's.
 */
final class ProxyProblem {
  private final ObjectMapper json;

  ProxyProblem(ObjectMapper json) {
    this.json = json;
  }

  void write(
      Request request,
      Response response,
      Callback callback,
      int status,
      String kind,
      String title,
      String detail) {
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("type", "urn:impulse:problem:" + kind);
    problem.put("title", title);
    problem.put("status", status);
    problem.put("detail", detail);
    problem.put("instance", request.getHttpURI().getPath());
    byte[] body;
    try {
      body = json.writeValueAsBytes(problem);
    } catch (JsonProcessingException e) {
      callback.failed(e);
      return;
    }
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/problem+json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  /** A call that got no chamber: its wait timed out, its deployment went, or it was cut. */
  void activationFailed(
      Route route,
      Request request,
      Response response,
      Callback callback,
      Throwable failure,
      java.time.Duration activationTimeout) {
    Throwable cause =
        failure instanceof java.util.concurrent.CompletionException ? failure.getCause() : failure;
    if (cause instanceof java.util.concurrent.TimeoutException) {
      write(
          request,
          response,
          callback,
          504,
          "activation-timeout",
          "Gateway timeout",
          "no chamber of '"
              + route.app()
              + "' was ready within "
              + activationTimeout.toMillis()
              + " ms (--activation-timeout-ms); see GET /deployments/"
              + route.app()
              + " and its chambers' logs");
    } else if (cause instanceof dev.impulse.deployment.UnknownDeploymentException) {
      write(request, response, callback, 404, "not-found", "Not found", cause.getMessage());
    } else {
      unavailable(request, response, callback, "no chamber could take the request; try again");
    }
  }

  /** 503: the proxy cannot serve the call now. */
  void unavailable(Request request, Response response, Callback callback, String detail) {
    write(request, response, callback, 503, "unavailable", "Service unavailable", detail);
  }

  /** 408: the caller's body came too slowly, or stopped. */
  void requestTimeout(Request request, Response response, Callback callback, String detail) {
    write(request, response, callback, 408, "request-timeout", "Request timeout", detail);
  }
}
