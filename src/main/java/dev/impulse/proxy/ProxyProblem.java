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
}
