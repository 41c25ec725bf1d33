package dev.impulse.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The daemon's HTTP API, one method per call the command line makes. Every refusal becomes a {@link
 * ProblemException} with the problem's {@code detail}; an unreachable daemon a {@link
 * ClientException}. Calls that answer at once are given {@link #REQUEST_TIMEOUT}; streams (logs,
 * events) run until the daemon ends them. Thread-safe; close it to release its connections.
 */
public final class ImpulseClient implements AutoCloseable {
  /** The most a call that is not a stream may take (an upload, a destroy's grace period). */
  public static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);

  private final URI api;
  private final Credentials credentials;
  private final HttpCalls http;

  /**
   * @param api the API's base, {@code http://HOST:PORT}
   */
  public ImpulseClient(URI api, Credentials credentials) {
    this.api = api;
    this.credentials = credentials;
    this.http = new HttpCalls("the impulse API at " + api);
  }

  /**
   * Stores a function version ({@code PUT /functions/{app}/{version}}) from a tar.gz file; true
   * when it is new, false when the same archive was already stored.
   */
  public boolean putFunction(String app, String version, Path archive) {
    HttpRequest.BodyPublisher body;
    try {
      body = HttpRequest.BodyPublishers.ofFile(archive);
    } catch (FileNotFoundException e) {
      throw new ClientException("the archive " + archive + " is gone", e);
    }
    // Expect: 100-continue: a refused upload (too many at once, too large, no token) is answered
    // before the archive is sent. Sent anyway, the daemon would close the connection on the unread
    // archive and the refusal would be lost in the reset.
    HttpRequest request =
        request("/functions/" + segment(app) + "/" + segment(version))
            .header("Content-Type", "application/gzip")
            .expectContinue(true)
            .PUT(body)
            .build();
    return http.sendOk(request, credentials).statusCode() == 201;
  }

  /**
   * Creates or changes an app's deployment ({@code PUT /deployments/{app}}); true when it was
   * created, false when an existing one was changed.
   */
  public boolean putDeployment(String app, DeploymentRequest deployment) {
    HttpRequest request =
        request("/deployments/" + segment(app))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(toJson(deployment.body())))
            .build();
    return http.sendOk(request, credentials).statusCode() == 201;
  }

  /** Every deployment ({@code GET /deployments}). */
  public List<DeploymentSummary> deployments() {
    return list("/deployments", DeploymentSummary::of);
  }

  /** Deletes an app's deployment ({@code DELETE /deployments/{app}}). */
  public void deleteDeployment(String app) {
    http.sendOk(request("/deployments/" + segment(app)).DELETE().build(), credentials);
  }

  /**
   * Removes the layers nothing uses from the daemon's layer store ({@code POST /images/prune});
   * returns its answer: {@code removed} (digests), {@code freedBytes}, {@code keptBytes}, {@code
   * kept}.
   */
  public JsonNode pruneImages() {
    HttpRequest request =
        request("/images/prune").POST(HttpRequest.BodyPublishers.noBody()).build();
    return http.parse(http.sendOk(request, credentials).body(), request);
  }

  /** Every chamber, oldest first ({@code GET /chambers}). */
  public List<ChamberSummary> chambers() {
    return list("/chambers", ChamberSummary::of);
  }

  /** Destroys a chamber ({@code DELETE /chambers/{id}}); returns once it is stopped and gone. */
  public void deleteChamber(String id) {
    http.sendOk(request("/chambers/" + segment(id)).DELETE().build(), credentials);
  }

  /**
   * Writes a chamber's log to {@code out} as it arrives, flushing after each piece; with {@code
   * follow}, until the chamber ends.
   */
  public void logs(String id, LogRequest logs, Writer out) {
    HttpRequest request =
        streamRequest("/chambers/" + segment(id) + "/logs" + logs.query()).GET().build();
    HttpResponse<InputStream> response = http.stream(request, credentials);
    try (InputStreamReader in = new InputStreamReader(response.body(), StandardCharsets.UTF_8)) {
      char[] buffer = new char[8192];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      throw new ClientException("the log of " + id + " was cut off: " + e.getMessage(), e);
    }
  }

  /**
   * Reads the event stream ({@code GET /events}) until the daemon ends it, giving each event to
   * {@code listener} as one line of JSON; returns then, with the id of the last event read ("" for
   * none). Throws {@link ClientException} if the connection breaks.
   *
   * @param since replay every retained event after this id first; negative: only new events
   */
  public String events(long since, EventListener listener) {
    HttpRequest request =
        streamRequest("/events" + (since >= 0 ? "?since=" + since : ""))
            .header("Accept", "text/event-stream")
            .GET()
            .build();
    HttpResponse<InputStream> response = http.stream(request, credentials);
    listener.connected();
    ServerSentEvents parser =
        new ServerSentEvents(
            event -> listener.event(event.id(), oneLine(event.data())),
            comment -> {
              if (comment.contains("no longer retained")) {
                listener.notice(HttpCalls.sanitize(comment));
              }
            });
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        parser.line(line);
      }
    } catch (IOException e) {
      throw new ClientException("the event stream was cut off: " + e.getMessage(), e);
    }
    return parser.lastId();
  }

  /** Receives the event stream. */
  public interface EventListener {
    /** The daemon accepted the stream; events follow. */
    default void connected() {}

    /** An event: its id, and its data as one line of compact JSON. */
    void event(String id, String json);

    /** Something the daemon said about the stream itself (events no longer retained). */
    default void notice(String text) {}
  }

  private <T> List<T> list(String path, Function<JsonNode, T> mapper) {
    HttpRequest request = request(path).GET().build();
    JsonNode answer = http.parse(http.sendOk(request, credentials).body(), request);
    if (!answer.isArray()) {
      throw new ClientException("GET " + path + " answered something other than a JSON array");
    }
    List<T> items = new ArrayList<>();
    answer.forEach(item -> items.add(mapper.apply(item)));
    return items;
  }

  /** Data that is JSON as one compact line; anything else with its line breaks escaped. */
  private String oneLine(String data) {
    try {
      return http.json().writeValueAsString(http.json().readTree(data));
    } catch (IOException notJson) {
      return HttpCalls.sanitize(data.replace("\n", "\\n"));
    }
  }

  private String toJson(Object body) {
    try {
      return http.json().writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + body + " as JSON", e);
    }
  }

  private HttpRequest.Builder request(String path) {
    return streamRequest(path).timeout(REQUEST_TIMEOUT);
  }

  private HttpRequest.Builder streamRequest(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(api.resolve(path));
    credentials.bearer().ifPresent(token -> builder.header("Authorization", "Bearer " + token));
    return builder;
  }

  /** A name as one path segment: nothing in it can add a segment or a query. */
  static String segment(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Override
  public void close() {
    http.close();
  }
}
