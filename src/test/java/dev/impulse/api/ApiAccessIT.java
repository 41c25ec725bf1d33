package dev.impulse.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import dev.impulse.testing.Http;
import dev.impulse.testing.RawHttp;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API serves only those holding its token, only under its own names, never a web page, and
 * stays responsive while clients hold connections open without finishing a request.
 */
class ApiAccessIT {
  static final int PER_CLIENT = 16;
  static final Duration HEADER_TIMEOUT = Duration.ofSeconds(1);

  static DaemonFixture impulse;

  @BeforeAll
  static void start() {
    impulse =
        DaemonFixture.start(
            DaemonFixture.Options.defaults()
                .withPortCount(4)
                .withConfig(b ->
                    b.maxConnectionsPerClient(PER_CLIENT)
                        .headerTimeout(HEADER_TIMEOUT)
                        .maxStreams(1)
                        .maxMemoryMb(1024)
                        .maxCpus(2)
                        .maxPids(4096)));
    impulse.upload("sampleapp", "1.0.0", Functions.sample());
  }

  @AfterAll
  static void stop() {
    impulse.close();
  }

  @AfterEach
  void nothingWasLeftBehind() {
    impulse.destroyAll();
    impulse.assertNothingLeaked();
  }

  private static Http.Response withAuthorization(String method, String path, String value) {
    return impulse
        .http()
        .send(method, impulse.uri(path), null, null, Map.of("Authorization", value));
  }

  private RawHttp raw() {
    return new RawHttp(new InetSocketAddress("127.0.0.1", impulse.uri("/").getPort()));
  }

  @Test
  void everyRequestButTheHealthCheckNeedsTheToken() {
    Http.Response none = new Http().get(impulse.uri("/chambers"));
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.contentType()).startsWith("application/problem+json");
    assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(none.json().get("detail").asText()).contains("Authorization: Bearer");

    assertThat(withAuthorization("GET", "/chambers", "Bearer not-the-token").status())
        .isEqualTo(401);
    assertThat(withAuthorization("GET", "/chambers", "Basic " + impulse.token()).status())
        .isEqualTo(401);
    assertThat(withAuthorization("GET", "/chambers", "bearer " + impulse.token()).status())
        .as("the scheme is case-insensitive")
        .isEqualTo(200);
    assertThat(new Http().get(impulse.uri("/healthz")).status()).isEqualTo(200);
    assertThat(new Http().get(impulse.uri("/no/such/path")).status())
        .as("unknown paths reveal nothing either")
        .isEqualTo(401);
  }

  @Test
  void theTokenIsMadeAtFirstStartReadableByRootOnly() throws Exception {
    var file = impulse.config().tokenFile();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(impulse.token()).hasSizeGreaterThanOrEqualTo(40);
  }

  /** Jetty cuts a body slower than the API's minimum rate: the client gets a 408 problem. */
  @Test
  void aTrickledBodyGetsA408ProblemNotAnInternalError() throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", impulse.uri("/").getPort()), 2000);
      socket
          .getOutputStream()
          .write(
              ("POST /chambers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                      + impulse.token()
                      + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      // A byte, then up to 200 ms for an answer: 5 bytes a second, for at most 30 s.
      socket.setSoTimeout(200);
      java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
      long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline
          && !answer.toString(java.nio.charset.StandardCharsets.UTF_8).contains("}")) {
        try {
          socket.getOutputStream().write(' ');
        } catch (java.io.IOException closed) {
          // the daemon may close right after answering
        }
        try {
          byte[] buffer = new byte[4096];
          int n = socket.getInputStream().read(buffer);
          if (n < 0) {
            break;
          }
          answer.write(buffer, 0, n);
        } catch (java.net.SocketTimeoutException nothingYet) {
          // trickle on
        } catch (java.io.IOException reset) {
          break;
        }
      }
      String text = answer.toString(java.nio.charset.StandardCharsets.UTF_8);
      assertThat(text).startsWith("HTTP/1.1 408").contains("request-timeout", "bytes/s");
    }
    assertThat(impulse.chambers()).isEmpty();
  }

  @Test
  void aBrowserPostFromAForeignPageCreatesNothing() {
    // What a web page can send without a preflight: text/plain, with its Origin.
    String body = "{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python3\"}";
    RawHttp.Response answer =
        raw()
            .request(
                "POST /chambers HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n"
                    + "Content-Type: text/plain\r\nContent-Length: "
                    + body.length()
                    + "\r\nConnection: close\r\n\r\n"
                    + body);
    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.body()).contains("foreign-origin");
    assertThat(answer.headers()).doesNotContainIgnoringCase("Access-Control-Allow");
    assertThat(impulse.chambers()).isEmpty();

    // The same with the token still carries a foreign Origin: refused.
    RawHttp.Response withToken =
        raw()
            .request(
                "GET /chambers HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n"
                    + "Authorization: Bearer "
                    + impulse.token()
                    + "\r\nConnection: close\r\n\r\n");
    assertThat(withToken.status()).isEqualTo(403);
  }

  @Test
  void aRequestForAReboundNameIsRefused() {
    // DNS rebinding: a page's own name now points at 127.0.0.1; the browser sends that name.
    RawHttp.Response rebound =
        raw()
            .request(
                "GET /chambers HTTP/1.1\r\nHost: rebound.attacker.example:"
                    + impulse.uri("/").getPort()
                    + "\r\nAuthorization: Bearer "
                    + impulse.token()
                    + "\r\nConnection: close\r\n\r\n");
    assertThat(rebound.status()).isEqualTo(403);
    assertThat(rebound.body()).contains("unknown-host").contains("--allowed-host");

    for (String host : List.of("localhost", "127.0.0.1:" + impulse.uri("/").getPort())) {
      RawHttp.Response own =
          raw()
              .request(
                  "GET /chambers HTTP/1.1\r\nHost: "
                      + host
                      + "\r\nAuthorization: Bearer "
                      + impulse.token()
                      + "\r\nConnection: close\r\n\r\n");
      assertThat(own.status()).as(host).isEqualTo(200);
    }
  }

  @Test
  void malformedOrOversizedRequestsGetProblemsToo() {
    RawHttp.Response flood =
        raw()
            .request(
                "GET /chambers HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flood: "
                    + "a".repeat(20_000)
                    + "\r\nConnection: close\r\n\r\n");
    assertThat(flood.status()).isEqualTo(431);
    assertThat(flood.headers()).containsIgnoringCase("Content-Type: application/problem+json");
    assertThat(flood.body()).contains("\"status\":431").contains("8 KiB");

    RawHttp.Response garbage = raw().request("NOT HTTP AT ALL\r\n\r\n");
    assertThat(garbage.status()).isEqualTo(400);
    assertThat(garbage.headers()).containsIgnoringCase("Content-Type: application/problem+json");
  }

  @Test
  void aRefusedRequestGetsNoSecondOneOnItsConnection() throws Exception {
    String token = "Authorization: Bearer " + impulse.token() + "\r\n";
    record Refused(int status, String request) {}
    List<Refused> refusals =
        List.of(
            new Refused(401, "GET /chambers HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
            new Refused(
                401,
                "GET /chambers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer no\r\n\r\n"),
            new Refused(
                403,
                "GET /chambers HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n"
                    + token
                    + "\r\n"),
            new Refused(
                403, "GET /chambers HTTP/1.1\r\nHost: rebound.example\r\n" + token + "\r\n"),
            new Refused(400, "NOT HTTP AT ALL\r\n\r\n"),
            new Refused(
                431,
                "GET /chambers HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flood: "
                    + "a".repeat(20_000)
                    + "\r\n\r\n"),
            // The one stream place (--max-streams 1) is taken by the stream opened below.
            new Refused(429, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n" + token + "\r\n"));
    try (var held = impulse.events(-1)) {
      awaitStreamsTaken();
      for (Refused refused : refusals) {
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress("127.0.0.1", impulse.uri("/").getPort()), 2000);
          socket.setSoTimeout(5000);
          // Pipelined: the same request again right behind it, which must never be answered.
          RawHttp.Response first = RawHttp.exchange(socket, refused.request() + refused.request());
          String what = refused.request().substring(0, 19);
          assertThat(first.status()).as(what).isEqualTo(refused.status());
          assertThat(first.headers()).as(what).containsIgnoringCase("Connection: close");
          assertThat(closedWithin(socket, Duration.ofSeconds(5))).as(what).isTrue();
        }
      }
    }
  }

  /** Waits until a new event stream is refused: the held one has its place. */
  private static void awaitStreamsTaken() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (impulse.get("/events").status() != 429) {
      assertThat(System.nanoTime()).as("the event stream is open").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  /** Whether the server closes {@code socket} within {@code timeout}, sending nothing more. */
  private static boolean closedWithin(Socket socket, Duration timeout) throws Exception {
    socket.setSoTimeout((int) timeout.toMillis());
    try {
      return socket.getInputStream().read() == -1;
    } catch (java.net.SocketTimeoutException stillOpen) {
      return false;
    } catch (java.io.IOException reset) {
      return true;
    }
  }

  @Test
  void aJsonBodySentAsFormDataStillCreatesAChamber() {
    // What `curl -d` sends, as in the proof of concept's examples.
    Http.Response created =
        impulse
            .http()
            .send(
                "POST",
                impulse.uri("/chambers"),
                "{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python3\"}"
                    .getBytes(StandardCharsets.UTF_8),
                "application/x-www-form-urlencoded");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
  }

  @Test
  void requestsOverTheNodesLimitsNameTheLimit() {
    record Ask(String field, String value, String flag) {}
    for (Ask ask :
        List.of(
            new Ask("memoryMb", "1048576", "--max-memory-mb"),
            new Ask("diskMb", "1048576", "--max-disk-mb"),
            new Ask("cpus", "1024", "--max-cpus"),
            new Ask("pids", "1048576", "--max-pids"))) {
      Http.Response refused =
          impulse.post(
              "/chambers",
              "{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python3\",\""
                  + ask.field()
                  + "\":"
                  + ask.value()
                  + "}");
      assertThat(refused.status()).as(refused.body()).isEqualTo(422);
      JsonNode problem = refused.json();
      assertThat(problem.get("field").asText()).isEqualTo(ask.field());
      assertThat(problem.get("detail").asText()).contains(ask.flag());
    }
    assertThat(impulse.chambers()).isEmpty();
  }

  @Test
  void slowRequestHeadsAreCutAndTheApiAnswersMeanwhile() throws Exception {
    List<Socket> slow = new ArrayList<>();
    try {
      // Half the connections the client (loopback) may hold, each trickling a head; the other
      // half is left for the fixture's own HTTP client and the health check below.
      for (int i = 0; i < PER_CLIENT / 2; i++) {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", impulse.uri("/").getPort()), 2000);
        socket.getOutputStream().write("GET /chambers HTTP/1.1\r\nHo".getBytes());
        slow.add(socket);
      }
      // Another one (from another loopback address: the same client) is served at once.
      assertThat(healthFrom(InetAddress.getByName("127.0.0.2"))).isEqualTo(200);

      // Trickling a byte a while keeps no connection past the header timeout.
      long deadline = System.nanoTime() + HEADER_TIMEOUT.multipliedBy(10).toNanos();
      int open = slow.size();
      while (open > 0 && System.nanoTime() < deadline) {
        open = 0;
        for (Socket socket : slow) {
          if (!socket.isClosed() && trickle(socket)) {
            open++;
          }
        }
        Thread.sleep(100);
      }
      assertThat(open).as("slow connections still open").isZero();
      assertThat(healthFrom(InetAddress.getByName("127.0.0.1"))).isEqualTo(200);
    } finally {
      for (Socket socket : slow) {
        socket.close();
      }
    }
  }

  @Test
  void noClientHoldsMoreConnectionsThanItsShare() throws Exception {
    try (DaemonFixture patient =
        DaemonFixture.start(
            DaemonFixture.Options.defaults()
                .withPortCount(2)
                .withConfig(b ->
                    b.maxConnectionsPerClient(PER_CLIENT).headerTimeout(Duration.ofMinutes(5))))) {
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < PER_CLIENT + 4; i++) {
          Socket socket = new Socket();
          socket.connect(new InetSocketAddress("127.0.0.1", patient.uri("/").getPort()), 2000);
          held.add(socket);
        }
        // Which ones are refused depends on the order the server takes them in: count them.
        List<Socket> open = new ArrayList<>(held);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (open.size() > PER_CLIENT && System.nanoTime() < deadline) {
          open.removeIf(ApiAccessIT::closedByServer);
        }
        assertThat(held.size() - open.size())
            .as("connections over the client's share")
            .isEqualTo(4);
        for (Socket socket : open) {
          assertThat(closedByServer(socket))
              .as("a connection within its share stays open")
              .isFalse();
        }
        // Every loopback address is the same client: another one gets no more.
        for (String other : List.of("127.0.0.2", "127.1.2.3")) {
          Socket socket = new Socket();
          held.add(socket);
          socket.bind(new InetSocketAddress(InetAddress.getByName(other), 0));
          socket.connect(new InetSocketAddress("127.0.0.1", patient.uri("/").getPort()), 2000);
          assertThat(closedWithin(socket, Duration.ofSeconds(5))).as(other).isTrue();
        }
      } finally {
        for (Socket socket : held) {
          socket.close();
        }
      }
    }
  }

  /** Whether the server has closed {@code socket} (a read within 50 ms says so). */
  private static boolean closedByServer(Socket socket) {
    try {
      socket.setSoTimeout(50);
      return socket.getInputStream().read() == -1;
    } catch (java.net.SocketTimeoutException stillOpen) {
      return false;
    } catch (java.io.IOException reset) {
      return true;
    }
  }

  /** Sends one more byte of a request head; false once the server has closed the connection. */
  private static boolean trickle(Socket socket) {
    try {
      socket.setSoTimeout(1);
      try {
        if (socket.getInputStream().read() == -1) {
          socket.close();
          return false;
        }
      } catch (java.net.SocketTimeoutException stillOpen) {
        // nothing to read: the server still holds it
      }
      socket.getOutputStream().write('s');
      socket.getOutputStream().flush();
      return true;
    } catch (SocketException closed) {
      try {
        socket.close();
      } catch (java.io.IOException ignored) {
        // closed already
      }
      return false;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static int healthFrom(InetAddress local) throws Exception {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(local, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", impulse.uri("/").getPort()), 2000);
      socket.setSoTimeout(5000);
      return RawHttp.exchange(
              socket, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .status();
    }
  }

  @Test
  void theApiCanBeServedOnAUnixSocketOnly() throws Exception {
    java.nio.file.Path path;
    try (DaemonFixture unix = DaemonFixture.startOnUnixSocket()) {
      path = unix.socket();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(unix.socket())))
          .isEqualTo("rw-rw----");
      RawHttp socket = new RawHttp(unix.socket());
      assertThat(socket.request("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").status())
          .isEqualTo(200);
      assertThat(socket.request("GET /chambers HTTP/1.1\r\nHost: localhost\r\n\r\n").status())
          .isEqualTo(401);
      RawHttp.Response listed =
          socket.request(
              "GET /chambers HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                  + unix.token()
                  + "\r\n\r\n");
      assertThat(listed.status()).isEqualTo(200);
      assertThat(listed.body()).isEqualTo("[]");
    }
    assertThat(path).as("the socket goes with the daemon").doesNotExist();
  }
}
