package dev.impulse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.EventStream;
import dev.impulse.testing.Functions;
import dev.impulse.testing.Http;
import dev.impulse.testing.ImpulseCli;
import dev.impulse.testing.ImpulseCli.Result;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client subcommands as a user runs them (the built jar), against a real daemon and real
 * chambers. The tests of {@code deploy}, {@code ls}, {@code invoke} through the proxy and {@code rm
 * APP} wait for the deployments endpoint and the edge proxy.
 */
class ClientCommandsIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SAMPLE = Path.of("examples/sampleapp");

  /** Apps whose deployments the tests may make; each is removed after every test. */
  private static final List<String> APPS =
      List.of("cli-upload", "cli-deploy", "cli-invoke", "cli-rm");

  static DaemonFixture impulse;
  static ImpulseCli cli;

  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    impulse = DaemonFixture.start();
    cli = new ImpulseCli(impulse);
    impulse.upload("sampleapp", "1.0.0", Functions.sample());
    impulse.upload("raising", "1.0.0", Functions.raising());
  }

  @AfterAll
  static void stop() {
    impulse.close();
  }

  @AfterEach
  void removeEverything() {
    for (String app : APPS) {
      // 404 while the daemon has no deployments (or none of this app)
      assertThat(impulse.delete("/deployments/" + app).status()).isIn(204, 404);
    }
    impulse.destroyAll();
    impulse.assertNothingLeaked();
  }

  private static JsonNode running(String app) {
    String id = impulse.create(app, "1.0.0", "python3").get("id").asText();
    return impulse.awaitStatus(id, "RUNNING");
  }

  private static JsonNode json(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new UncheckedIOException("not a line of JSON: " + line, e);
    }
  }

  @Test
  void psListsEachChamberWithItsStatusPortAppAndVersion() {
    JsonNode chamber = running("sampleapp");
    Result ps = cli.api("ps");
    assertThat(ps.code()).as(ps.err()).isZero();
    assertThat(ps.out().lines().findFirst().orElseThrow())
        .matches("ID +STATUS +PORT +APP +VERSION +DEPLOYMENT");
    assertThat(ps.out())
        .containsPattern(
            chamber.get("id").asText().replace(".", "\\.")
                + " +RUNNING +"
                + chamber.get("port").asInt()
                + " +sampleapp +1\\.0\\.0 +-\n");
  }

  @Test
  void logsPrintsWhatTheFunctionPrintedAndFollowsUntilRmDestroysTheChamber() throws Exception {
    JsonNode chamber = running("sampleapp");
    String id = chamber.get("id").asText();
    assertThat(impulse.call(chamber.get("port").asInt(), "{\"name\":\"first\"}").status())
        .isEqualTo(200);

    Result logs = cli.api("logs", id);
    assertThat(logs.code()).as(logs.err()).isZero();
    assertThat(logs.out()).contains("greeting first (call 1 in " + id + ")");

    try (ImpulseCli.Running follow = cli.start("logs", id, "-f", "--tail", "1")) {
      follow.until(line -> line.contains("greeting first"), WAIT);
      assertThat(impulse.call(chamber.get("port").asInt(), "{\"name\":\"second\"}").status())
          .isEqualTo(200);
      follow.until(line -> line.contains("greeting second (call 2"), WAIT);

      Result rm = cli.api("rm", "--chamber", id);
      assertThat(rm.code()).as(rm.err()).isZero();
      assertThat(rm.out()).isEqualTo("removed chamber " + id + "\n");
      assertThat(follow.awaitExit(WAIT)).as("logs -f ends with the chamber").isZero();
    }
    assertThat(impulse.get("/chambers/" + id).status()).isEqualTo(404);
  }

  @Test
  void anUnknownChamberIsRefusedWithTheDaemonsDetailOnStderr() {
    Result rm = cli.api("rm", "--chamber", "nope-1-abcde");
    assertThat(rm.code()).as("out: %s, err: %s", rm.out(), rm.err()).isEqualTo(1);
    assertThat(rm.out()).isEmpty();
    assertThat(rm.err()).startsWith("impulse: ").contains("nope-1-abcde");

    Result logs = cli.api("logs", "nope-1-abcde");
    assertThat(logs.code()).as("out: %s, err: %s", logs.out(), logs.err()).isEqualTo(1);
    assertThat(logs.err()).startsWith("impulse: ").contains("nope-1-abcde");
  }

  @Test
  void aWrongTokenIsRefusedSayingWhereItCameFrom() throws IOException {
    Path wrong = Files.writeString(tmp.resolve("token"), "not-the-token-0123456789\n");
    Result ps =
        ImpulseCli.run(
            List.of("ps", "--url", impulse.uri("/").toString(), "--token-file", wrong.toString()));
    assertThat(ps.code()).isEqualTo(1);
    assertThat(ps.err()).contains("(the token sent was read from " + wrong + ")");
  }

  @Test
  void eventsPrintsOneJsonLinePerEventUntilInterrupted() throws Exception {
    try (ImpulseCli.Running events = cli.start("events", "--since", "0")) {
      JsonNode chamber = running("sampleapp");
      String id = chamber.get("id").asText();
      List<String> lines =
          events.until(
              line ->
                  json(line).path("chamber").asText().equals(id)
                      && json(line).path("to").asText().equals("RUNNING"),
              WAIT);
      for (String line : lines) {
        assertThat(json(line).get("id").isNumber()).as(line).isTrue();
      }
      assertThat(lines)
          .anySatisfy(line -> {
            JsonNode event = json(line);
            assertThat(event.path("chamber").asText()).isEqualTo(id);
            assertThat(event.get("from").isNull()).isTrue();
            assertThat(event.get("to").asText()).isEqualTo("STARTING");
          });
      assertThat(events.interrupt()).as("ended by SIGTERM").isNotZero();
      assertThat(events.err()).isEmpty();
    }
  }

  @Test
  void eventsSinceAnIdReplaysOnlyWhatCameAfterIt() throws Exception {
    long before;
    try (EventStream stream = impulse.events(0)) {
      String first = running("sampleapp").get("id").asText();
      before = stream.until(EventStream.to(first, "RUNNING"), WAIT).getLast().get("id").asLong();
    }
    JsonNode second = running("sampleapp");
    try (ImpulseCli.Running events = cli.start("events", "--since", Long.toString(before))) {
      List<String> lines =
          events.until(
              line ->
                  json(line).path("chamber").asText().equals(second.get("id").asText())
                      && json(line).path("to").asText().equals("RUNNING"),
              WAIT);
      assertThat(lines)
          .allSatisfy(line -> assertThat(json(line).get("id").asLong()).isGreaterThan(before));
      events.interrupt();
    }
  }

  @Test
  void invokeCallsTheFunctionAndPrintsItsAnswerOrItsFailureOnStderr() {
    // The chamber's own port stands in for the edge proxy: its wrapper answers a POST on any path.
    JsonNode chamber = running("sampleapp");
    String port = "http://127.0.0.1:" + chamber.get("port").asInt();
    Result ok =
        ImpulseCli.run(
            List.of("invoke", "sampleapp", "--data", "{\"name\":\"cli\"}", "--proxy-url", port));
    assertThat(ok.code()).as(ok.err()).isZero();
    JsonNode answer = json(ok.out().strip());
    assertThat(answer.get("greeting").asText()).isEqualTo("hello, cli");
    assertThat(answer.get("path").asText()).isEqualTo("/sampleapp/");

    JsonNode raising = running("raising");
    Result failed =
        ImpulseCli.run(
            List.of(
                "invoke",
                "raising",
                "--proxy-url",
                "http://127.0.0.1:" + raising.get("port").asInt()));
    assertThat(failed.code()).isEqualTo(1);
    assertThat(failed.out()).isEmpty();
    assertThat(json(failed.err().strip()).get("error").asText()).isEqualTo("ValueError");
  }

  @Test
  void deployPacksAndUploadsTheDirectorySoAChamberRunsIt() {
    Result first = deploy("cli-upload");
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out())
        .as(first.err())
        .contains("uploaded cli-upload 1.0.0 (")
        .contains("; new)");
    Http.Response stored = impulse.get("/functions/cli-upload/1.0.0");
    assertThat(stored.status()).isEqualTo(200);

    Result again = deploy("cli-upload");
    assertThat(again.out()).as(again.err()).contains("; already stored)");
    assertThat(impulse.get("/functions/cli-upload/1.0.0").json().get("digest"))
        .isEqualTo(stored.json().get("digest"));

    JsonNode chamber = running("cli-upload");
    Http.Response answer = impulse.call(chamber.get("port").asInt(), "{\"name\":\"packed\"}");
    assertThat(answer.json().get("greeting").asText()).isEqualTo("hello, packed");
  }

  @Test
  void deployRefusesALinkLeadingOutBeforeUploadingAnything() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("fn"));
    Files.copy(SAMPLE.resolve("main.py"), dir.resolve("main.py"));
    Files.createSymbolicLink(dir.resolve("passwd"), Path.of("/etc/passwd"));
    Result deploy =
        cli.api(
            "deploy",
            dir.toString(),
            "--app",
            "cli-upload",
            "--version",
            "2.0.0",
            "--runtime",
            "python3");
    assertThat(deploy.code()).isEqualTo(1);
    assertThat(deploy.err()).contains("'passwd'", "leading outside");
    assertThat(impulse.get("/functions/cli-upload/2.0.0").status()).isEqualTo(404);
  }

  private static Result deploy(String app, String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                SAMPLE.toString(),
                "--app",
                app,
                "--version",
                "1.0.0",
                "--runtime",
                "python3",
                "--max-function-bytes",
                Long.toString(16 << 20)));
    args.addAll(List.of(more));
    return cli.api("deploy", args.toArray(String[]::new));
  }

  // --- these wait for PUT/GET/DELETE /deployments and the edge proxy

  /** The edge proxy of the fixture's daemon. */
  private static String proxyUrl() {
    return impulse.proxyUri("/").toString().replaceAll("/$", "");
  }

  @Test
  void deployCreatesTheDeploymentThenUpdatesItAndLsShowsIt() {
    Result created = deploy("cli-deploy", "--max-chambers", "2");
    assertThat(created.code()).as(created.err()).isZero();
    assertThat(created.out()).endsWith("deployed cli-deploy 1.0.0 (created)\n");

    Result ls = cli.api("ls");
    assertThat(ls.code()).as(ls.err()).isZero();
    assertThat(ls.out().lines().findFirst().orElseThrow())
        .matches("APP +VERSION +RUNTIME +CHAMBERS +IN-FLIGHT +QUEUED");
    assertThat(ls.out()).containsPattern("cli-deploy +1\\.0\\.0 +python3 +\\d+ +0 +0\n");

    Result updated = deploy("cli-deploy", "--max-chambers", "3", "--env", "GREETING=hi");
    assertThat(updated.code()).as(updated.err()).isZero();
    assertThat(updated.out()).endsWith("deployed cli-deploy 1.0.0 (updated)\n");
    JsonNode deployment = impulse.get("/deployments/cli-deploy").json();
    assertThat(deployment.at("/scaling/maxChambers").asInt()).isEqualTo(3);
  }

  @Test
  void invokeReachesTheDeployedFunctionThroughTheProxy() {
    Result deployed = deploy("cli-invoke", "--min-chambers", "1");
    assertThat(deployed.code()).as(deployed.err()).isZero();
    Result ok =
        ImpulseCli.run(
            List.of(
                "invoke",
                "cli-invoke",
                "--data",
                "{\"name\":\"edge\"}",
                "--path",
                "/hello",
                "--proxy-url",
                proxyUrl()));
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(json(ok.out().strip()).get("greeting").asText()).isEqualTo("hello, edge");
  }

  @Test
  void rmAppRemovesTheDeploymentAndItsChambers() throws Exception {
    try (EventStream events = impulse.events(-1)) {
      Result deployed = deploy("cli-rm", "--min-chambers", "1");
      assertThat(deployed.code()).as(deployed.err()).isZero();
      JsonNode started =
          events
              .until(
                  e ->
                      e.path("chamber").asText().startsWith("cli-rm-")
                          && e.get("to").asText().equals("RUNNING"),
                  WAIT)
              .getLast();
      String id = started.get("chamber").asText();
      assertThat(cli.api("ps").out()).containsPattern(id.replace(".", "\\.") + " .* cli-rm\n");

      Result rm = cli.api("rm", "cli-rm");
      assertThat(rm.code()).as(rm.err()).isZero();
      assertThat(rm.out()).isEqualTo("removed deployment cli-rm\n");
      events.until(EventStream.to(id, "DELETED"), WAIT);
      assertThat(cli.api("ls").out()).doesNotContain("cli-rm");
    }
  }
}
