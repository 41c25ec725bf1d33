package dev.impulse.client;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * Calls functions through the edge proxy, as their callers do: {@code POST PROXY/{app}{path}} with
 * a JSON body. It never sends the API token: the proxy hands requests to functions, which must not
 * see it. Thread-safe; close it to release its connections.
 */
public final class EdgeClient implements AutoCloseable {
  private final URI proxy;
  private final HttpCalls http;

  /**
   * @param proxy the proxy's base, {@code http://HOST:PORT}
   */
  public EdgeClient(URI proxy) {
    this.proxy = proxy;
    this.http = new HttpCalls("the edge proxy at " + proxy);
  }

  /**
   * POSTs {@code json} to the app's function at {@code path} (starting with '/') and returns its
   * answer, whatever its status.
   */
  public Invocation invoke(String app, String path, String json) {
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("the path must start with '/', not '" + path + "'");
    }
    URI uri;
    try {
      uri = proxy.resolve("/" + ImpulseClient.segment(app) + path);
    } catch (IllegalArgumentException e) {
      throw new ClientException("'" + path + "' is not a valid URL path: " + e.getMessage(), e);
    }
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(ImpulseClient.REQUEST_TIMEOUT)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
            .build();
    HttpResponse<String> response =
        http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    return new Invocation(response.statusCode(), response.body());
  }

  @Override
  public void close() {
    http.close();
  }
}
