package dev.impulse.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own answers (a head over 8 KiB, a request that is not HTTP, a body too slow) as RFC 9457
 * problems, like every other error of the API, instead of Jetty's HTML pages; each closes its
 * connection, as every refusal does. Thread-safe.
 */
final class ProblemErrorHandler extends ErrorHandler {
  private final ObjectMapper json;

  ProblemErrorHandler(ObjectMapper json) {
    this.json = json;
  }

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback) {
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
    response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    response.write(
        true, ByteBuffer.wrap(body(code, message, request.getHttpURI().getPath())), callback);
  }

  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(new HttpField(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE));
    fields.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    return ByteBuffer.wrap(body(status, reason, null));
  }

  private byte[] body(int status, String message, String path) {
    String detail =
        switch (status) {
          case 431 ->
              "the request's head is over the limit of 8 KiB; send fewer or shorter headers";
          case 414 -> "the request's URI is over the limit of 8 KiB";
          case 408 -> "the request was not received in time; send it faster";
          case 400 -> "the request is not valid HTTP/1.1" + (message == null ? "" : ": " + message);
          default ->
              message == null ? "the request cannot be served (HTTP " + status + ")" : message;
        };
    Problem problem =
        new Problem(
            "urn:impulse:problem:http-" + status, "HTTP " + status, status, detail, path, Map.of());
    try {
      return json.writeValueAsBytes(problem);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a problem could not be written as JSON", e);
    }
  }
}
