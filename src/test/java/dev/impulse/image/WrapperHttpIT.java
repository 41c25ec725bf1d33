package dev.impulse.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.testing.RawHttp;
import dev.impulse.testing.Tars;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * The wrapper contract for Python's wrapper, skyhook.py, on the default Python; {@link
 * WrapperHttpPython39IT} runs it on the oldest.
 */
class WrapperHttpIT extends WrapperHttpContract {
  @Override
  String runtime() {
    return "python3";
  }

  @Override
  byte[] echoGuest() {
    return Tars.function(
        """
        def skyhook(request, meta):
            if request == "raise":
                raise KeyError("no such thing")
            return {"got": request, "path": meta["path"], "method": meta["method"]}
        """);
  }

  @Override
  String raisedError() {
    return "KeyError";
  }

  /**
   * The wrapper reads a UTF-8 body with CPython's C scanner alone and hands anything else to {@code
   * json.loads}: a UTF-16 body (big-endian, no BOM: NUL before each ASCII character) is read as
   * {@code json.loads} reads it.
   */
  @Test
  void aBodyInUtf16IsReadAsJsonLoadsReadsIt() throws IOException {
    RawHttp.Response answer = send(post("/", "\u0000[\u00001\u0000]"));
    assertThat(answer.status()).isEqualTo(200);
    assertThat(json(answer).get("got").toString()).isEqualTo("[1]");
  }

  @Test
  void aBodyNestedTooDeeplyIsABadRequest() throws IOException {
    RawHttp.Response answer = send(post("/", "[".repeat(100_000)));
    assertThat(answer.status()).isEqualTo(400);
    assertThat(json(answer).get("error").asText()).isEqualTo("InvalidJSON");
    assertThat(send(post("/", "[1]")).status()).as("the wrapper still serves").isEqualTo(200);
  }

  /** The wrapper reads JSON with CPython's C scanner alone, and answers as json.loads would. */
  @Test
  void whatIsNotJsonIsAnsweredWithJsonLoadsMessage() throws IOException {
    assertThat(json(send(post("/", "{nope"))).get("message").asText())
        .isEqualTo(
            "request body is not JSON: Expecting property name enclosed in double quotes:"
                + " line 1 column 2 (char 1)");
    assertThat(json(send(post("/", "1 2"))).get("message").asText())
        .isEqualTo("request body is not JSON: Extra data: line 1 column 3 (char 2)");
    assertThat(json(send(post("/", "\n  x"))).get("message").asText())
        .isEqualTo("request body is not JSON: Expecting value: line 2 column 3 (char 3)");
    assertThat(json(send(post("/", "\uFEFF[1]"))).get("got").toString())
        .as("a UTF-8 byte order mark is skipped")
        .isEqualTo("[1]");
  }

  /**
   * A guest's own json.py is what an import of json finds once the guest is imported, also the
   * wrapper's, for a body the C scanner alone cannot answer: the caller still gets a 400.
   */
  @Test
  void aGuestsOwnJsonModuleNeverCostsACallerAnAnswer() throws IOException {
    impulse.upload(
        "ownjson",
        "1",
        Tars.tar()
            .file("main.py", "def skyhook(request, meta):\n    return {\"got\": request}\n")
            .file("json.py", "# the guest's own json, without loads\n")
            .bytes());
    JsonNode created = impulse.create("ownjson", "1", runtime());
    impulse.awaitStatus(created.get("id").asText(), "RUNNING");
    RawHttp chamber = new RawHttp(new InetSocketAddress("127.0.0.1", created.get("port").asInt()));
    assertThat(chamber.request(post("/", "[1]")).status()).isEqualTo(200);
    RawHttp.Response malformed = chamber.request(post("/", "{nope"));
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(json(malformed).get("error").asText()).isEqualTo("InvalidJSON");
    assertThat(chamber.request(post("/", "[2]")).status()).isEqualTo(200);
  }
}
