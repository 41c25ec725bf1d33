package dev.impulse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A small HTTP client for tests: real sockets, JSON helpers. */
public final class Http {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /** A response with its body as text. */
  public record Response(int status, String contentType, String body, HttpResponse<String> raw) {
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON (" + status + "): " + body, e);
      }
    }

    public String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  private volatile URI authorizedBase;
  private volatile String token;

  /**
   * Sends {@code token} as the API token with every request to {@code base} (and only there: a
   * function's port must never see it).
   */
  public void authorize(URI base, String token) {
    this.authorizedBase = base;
    this.token = token;
  }

  public Response send(String method, URI uri, byte[] body, String contentType) {
    return send(method, uri, body, contentType, java.util.Map.of());
  }

  /**
   * Sends a request with {@code Expect: 100-continue}, as the command line uploads: its body goes
   * out only if the server reads it.
   */
  public Response sendExpectingContinue(String method, URI uri, byte[] body, String contentType) {
    return send(method, uri, body, contentType, java.util.Map.of(), true);
  }

  /** Sends a request with extra headers (they win over the token). */
  public Response send(
      String method,
      URI uri,
      byte[] body,
      String contentType,
      java.util.Map<String, String> headers) {
    return send(method, uri, body, contentType, headers, false);
  }

  private Response send(
      String method,
      URI uri,
      byte[] body,
      String contentType,
      java.util.Map<String, String> headers,
      boolean expectContinue) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .expectContinue(expectContinue)
            .timeout(Duration.ofSeconds(120))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    URI base = authorizedBase;
    if (base != null
        && token != null
        && uri.getAuthority().equals(base.getAuthority())
        && !headers.containsKey("Authorization")) {
      request.header("Authorization", "Bearer " + token);
    }
    headers.forEach(request::header);
    return send(request, method, uri);
  }

  /** Sends a request whose body is read from {@code body} as it goes out (chunked). */
  public Response sendStreaming(
      String method,
      URI uri,
      java.util.function.Supplier<java.io.InputStream> body,
      String contentType) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(120))
            .header("Content-Type", contentType)
            .method(method, HttpRequest.BodyPublishers.ofInputStream(body));
    URI base = authorizedBase;
    if (base != null && token != null && uri.getAuthority().equals(base.getAuthority())) {
      request.header("Authorization", "Bearer " + token);
    }
    return send(request, method, uri);
  }

  public Response get(URI uri) {
    return send("GET", uri, null, null);
  }

  public Response postJson(URI uri, String json) {
    return send("POST", uri, json.getBytes(StandardCharsets.UTF_8), "application/json");
  }

  public static ObjectMapper json() {
    return JSON;
  }

  private Response send(HttpRequest.Builder request, String method, URI uri) {
    try {
      HttpResponse<String> response =
          client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Response(
          response.statusCode(),
          response.headers().firstValue("Content-Type").orElse(""),
          response.body(),
          response);
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + uri + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
