package dev.impulse.api;

import static dev.impulse.testing.Tars.tar;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import dev.impulse.testing.Http;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every mistake a client can make gets a 4xx problem that says what is wrong, and loses nothing.
 */
class BadInputIT {
  static DaemonFixture impulse;

  @BeforeAll
  static void start() {
    impulse = DaemonFixture.start(DaemonFixture.Options.defaults().withPortCount(2));
    impulse.upload("sampleapp", "1.0.0", Functions.sample());
  }

  @AfterAll
  static void stop() {
    impulse.close();
  }

  @AfterEach
  void nothingWasLeftBehind() throws IOException {
    impulse.destroyAll();
    impulse.assertNothingLeaked();
    assertThat(functionDirectories()).containsExactly("sampleapp");
  }

  private static Stream<String> functionDirectories() throws IOException {
    try (Stream<Path> apps = Files.list(impulse.dataDir().resolve("functions"))) {
      return apps.map(p -> p.getFileName().toString()).toList().stream();
    }
  }

  private static JsonNode problem(Http.Response response, int status) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.contentType()).startsWith("application/problem+json");
    JsonNode problem = response.json();
    assertThat(problem.get("status").asInt()).isEqualTo(status);
    assertThat(problem.get("type").asText()).startsWith("urn:impulse:problem:");
    assertThat(problem.get("title").asText()).isNotBlank();
    return problem;
  }

  private static String detail(Http.Response response, int status) {
    return problem(response, status).get("detail").asText();
  }

  @Test
  void malformedJsonIsRefused() {
    assertThat(detail(impulse.post("/chambers", "{\"app\":"), 400)).contains("not valid JSON");
    assertThat(detail(impulse.post("/chambers", ""), 400)).contains("empty");
    assertThat(detail(impulse.post("/chambers", "[1,2]"), 400)).contains("must be a JSON object");
    assertThat(detail(impulse.post("/chambers", "{\"app\":\"a\"} trailing"), 400))
        .contains("not valid JSON");
  }

  @Test
  void missingAndWronglyTypedFieldsAreNamed() {
    assertThat(
            detail(impulse.post("/chambers", "{\"version\":\"1\",\"runtime\":\"python3\"}"), 400))
        .isEqualTo("field 'app' is required");
    assertThat(
            detail(
                impulse.post("/chambers", "{\"app\":5,\"version\":\"1\",\"runtime\":\"python3\"}"),
                400))
        .isEqualTo("field 'app' must be a string, not a number");
    assertThat(
            detail(
                impulse.post(
                    "/chambers",
                    "{\"app\":\"a\",\"version\":\"1\",\"runtime\":\"python3\",\"extra\":1}"),
                400))
        .startsWith("unknown field 'extra'; allowed fields:");
  }

  @Test
  void anUnknownRuntimeListsTheAvailableOnes() {
    JsonNode problem =
        problem(
            impulse.post(
                "/chambers",
                "{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python2.7\"}"),
            422);
    assertThat(problem.get("detail").asText())
        .isEqualTo(
            "runtime 'python2.7' is not available; available: python3.9, python3.11, node20,"
                + " java21, binary, java, node, python3");
    assertThat(problem.get("available").toString())
        .isEqualTo(
            "[\"python3.9\",\"python3.11\",\"node20\",\"java21\",\"binary\",\"java\","
                + "\"node\",\"python3\"]");
  }

  @Test
  void anUnknownFunctionSaysHowToUploadIt() {
    assertThat(
            detail(
                impulse.post(
                    "/chambers", "{\"app\":\"nope\",\"version\":\"1\",\"runtime\":\"python3\"}"),
                422))
        .contains("function nope 1 has not been uploaded; upload it with PUT /functions/nope/1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"../x", "a/b", "", "Caps", "caf\u00e9", "x;rm"})
  void badNamesInABodyAreRefusedBeforeAnythingTouchesTheFileSystem(String name) {
    String body =
        "{\"app\":" + Http.json().valueToTree(name) + ",\"version\":\"1\",\"runtime\":\"python3\"}";
    assertThat(detail(impulse.post("/chambers", body), 400)).contains("is not a valid name");
  }

  @Test
  void aVeryLongNameIsRefused() {
    String body = "{\"app\":\"" + "a".repeat(300) + "\",\"version\":\"1\",\"runtime\":\"python3\"}";
    assertThat(detail(impulse.post("/chambers", body), 400)).contains("is not a valid name");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"..%2Fx/1", "a%2Fb/1", "Caps/1", "ok/..", "caf%C3%A9/1", "ok/" + "v123456789"})
  void badNamesInAFunctionPathAreRefused(String path) {
    Http.Response response =
        impulse.put("/functions/" + path.replace("v123456789", "v".repeat(70)), Functions.sample());
    assertThat(response.status()).as(response.body()).isIn(400, 404, 405);
    assertThat(response.contentType()).startsWith("application/problem+json");
  }

  @Test
  void hostileArchivesAreRefusedWithTheOffendingEntry() {
    assertThat(
            detail(
                impulse.put(
                    "/functions/evil/1", tar().file("main.py", "x").file("/etc/evil", "x").bytes()),
                400))
        .contains("'/etc/evil' is refused: it has an absolute path");
    assertThat(
            detail(
                impulse.put(
                    "/functions/evil/1", tar().file("main.py", "x").file("../evil", "x").bytes()),
                400))
        .contains("contains '..'");
    assertThat(
            detail(
                impulse.put(
                    "/functions/evil/1",
                    tar().file("main.py", "x").symlink("l", "../../../etc").bytes()),
                400))
        .contains("symbolic link leaving the function's directory");
    assertThat(
            detail(
                impulse.put(
                    "/functions/evil/1", tar().file("main.py", "x").charDevice("dev").bytes()),
                400))
        .contains("device file or FIFO");
    assertThat(
            detail(
                impulse.put(
                    "/functions/evil/1", "garbage".repeat(100).getBytes(StandardCharsets.UTF_8)),
                400))
        .contains("archive");
    assertThat(detail(impulse.put("/functions/evil/1", tar().file("other.py", "x").bytes()), 400))
        .contains("holds no function at its top");
  }

  @Test
  void anArchiveOverTheSizeLimitIsRefused() {
    byte[] big = tar().file("main.py", "x").file("blob", "y".repeat(17 << 20)).bytes();
    assertThat(detail(impulse.put("/functions/big/1", big), 413)).contains("over the limit");
  }

  @Test
  void aJsonBodyOverTheLimitIsRefused() {
    String body = "{\"app\":\"" + "a".repeat(70_000) + "\"}";
    assertThat(detail(impulse.post("/chambers", body), 413)).contains("over the limit");
  }

  @Test
  void differentContentForAnUploadedVersionIsAConflict() {
    assertThat(impulse.put("/functions/sampleapp/1.0.0", Functions.sample()).status())
        .isEqualTo(200);
    assertThat(detail(impulse.put("/functions/sampleapp/1.0.0", Functions.raising()), 409))
        .contains("versions are immutable");
  }

  @Test
  void unknownChambersAndFunctionsAreNotFound() {
    assertThat(detail(impulse.get("/chambers/nope-1-abcde"), 404))
        .isEqualTo("no chamber has id 'nope-1-abcde'");
    assertThat(detail(impulse.delete("/chambers/nope-1-abcde"), 404)).contains("no chamber");
    assertThat(detail(impulse.get("/chambers/nope-1-abcde/logs"), 404)).contains("no chamber");
    assertThat(detail(impulse.delete("/functions/nope/1"), 404)).contains("has not been uploaded");
    assertThat(detail(impulse.get("/nowhere"), 404)).contains("no resource at /nowhere");
  }

  @Test
  void aWrongMethodIsA405Problem() {
    Http.Response response = impulse.http().send("PATCH", impulse.uri("/chambers"), null, null);
    assertThat(detail(response, 405)).isEqualTo("PATCH is not allowed on /chambers");
  }

  @Test
  void badQueryParametersAreNamed() {
    String id = impulse.create("sampleapp", "1.0.0", "python3").get("id").asText();
    assertThat(detail(impulse.get("/chambers/" + id + "/logs?tail=many"), 400))
        .isEqualTo("query parameter 'tail' must be a whole number, not 'many'");
    assertThat(detail(impulse.get("/chambers/" + id + "/logs?tail=-1"), 400))
        .contains("between 0 and");
  }

  @Test
  void aFunctionInUseCannotBeDeleted() {
    impulse.upload("busy", "1", Functions.sample());
    String id = impulse.create("busy", "1", "python3").get("id").asText();
    assertThat(detail(impulse.delete("/functions/busy/1"), 409))
        .contains("used by 1 live chamber(s) (" + id + ")");
    impulse.delete("/chambers/" + id);
    assertThat(impulse.delete("/functions/busy/1").status()).isEqualTo(204);
  }

  @Test
  void runningOutOfPortsIsA503ThatNamesTheRange() {
    impulse.create("sampleapp", "1.0.0", "python3");
    impulse.create("sampleapp", "1.0.0", "python3");
    JsonNode problem =
        problem(
            impulse.post(
                "/chambers",
                "{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python3\"}"),
            503);
    assertThat(problem.get("detail").asText())
        .contains("no free port in " + impulse.ports() + " (2 in use by chambers)");
    assertThat(impulse.chambers()).hasSize(2);
  }
}
