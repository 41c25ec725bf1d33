package dev.impulse.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One {@link HttpClient} (HTTP/1.1, no redirects) and what every call needs: transport failures
 * turned into a {@link ClientException} naming the server and what to check, and answers outside
 * 2xx into a {@link ProblemException} carrying the problem's {@code detail}. Thread-safe.
 */
final class HttpCalls implements AutoCloseable {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** A refusal's body is read up to this much: problems are small, anything longer is cut. */
  private static final int MAX_ERROR_BODY = 64 * 1024;

  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();
  private final String server;

  /**
   * @param server names the server in messages: "the impulse API at http://127.0.0.1:5000"
   */
  HttpCalls(String server) {
    this.server = server;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  ObjectMapper json() {
    return json;
  }

  /** Sends {@code request}; any status is returned. */
  <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) {
    try {
      return http.send(request, body);
    } catch (HttpConnectTimeoutException e) {
      throw new ClientException(
          "cannot reach " + server + ": no connection within " + CONNECT_TIMEOUT.toSeconds() + " s",
          e);
    } catch (ConnectException e) {
      throw new ClientException(
          "cannot reach "
              + server
              + " ("
              + (e.getMessage() == null ? "connection refused" : e.getMessage())
              + "): is it running, and is that its address?",
          e);
    } catch (HttpTimeoutException e) {
      throw new ClientException(server + " did not answer " + describe(request) + " in time", e);
    } catch (IOException e) {
      throw new ClientException(
          describe(request) + " to " + server + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClientException(describe(request) + " was interrupted", e);
    }
  }

  /** Sends {@code request} and returns the answer's body, or throws if it is not a 2xx. */
  HttpResponse<byte[]> sendOk(HttpRequest request, Credentials credentials) {
    HttpResponse<byte[]> response = send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() / 100 != 2) {
      throw refusal(request, response.statusCode(), response.body(), credentials);
    }
    return response;
  }

  /** Sends {@code request} for a streamed answer; throws if it is not a 2xx. */
  HttpResponse<InputStream> stream(HttpRequest request, Credentials credentials) {
    HttpResponse<InputStream> response = send(request, HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() / 100 != 2) {
      byte[] body;
      try (InputStream in = response.body()) {
        body = in.readNBytes(MAX_ERROR_BODY);
      } catch (IOException e) {
        body = new byte[0];
      }
      throw refusal(request, response.statusCode(), body, credentials);
    }
    return response;
  }

  JsonNode parse(byte[] body, HttpRequest request) {
    try {
      return json.readTree(body);
    } catch (IOException e) {
      throw new ClientException(
          server + " answered " + describe(request) + " with something that is not JSON", e);
    }
  }

  /** The problem's detail (or title), else the status and the start of the body. */
  ProblemException refusal(HttpRequest request, int status, byte[] body, Credentials credentials) {
    String title = "HTTP " + status;
    String detail = null;
    try {
      JsonNode problem = json.readTree(body);
      if (problem != null && problem.isObject()) {
        title = problem.path("title").asText(title);
        detail = problem.path("detail").asText(null);
        if (detail == null && problem.hasNonNull("title")) {
          detail = title;
        }
      }
    } catch (IOException notJson) {
      // not a problem: the status and the body's start say what there is
    }
    if (detail == null) {
      String text = sanitize(new String(body, StandardCharsets.UTF_8).strip());
      detail =
          describe(request)
              + " failed with HTTP "
              + status
              + (text.isEmpty()
                  ? ""
                  : ": " + (text.length() > 200 ? text.substring(0, 200) : text));
    }
    detail = sanitize(detail);
    if (status == 401) {
      detail = detail + " " + credentials.explainRefusal();
    }
    return new ProblemException(status, title, detail);
  }

  private static String describe(HttpRequest request) {
    URI uri = request.uri();
    return request.method() + " " + uri.getRawPath();
  }

  /** Control characters of a foreign answer never reach the terminal as they are. */
  static String sanitize(String text) {
    return text.replaceAll("[\\p{Cntrl}&&[^\\t]]", "?");
  }

  @Override
  public void close() {
    http.close();
  }
}
