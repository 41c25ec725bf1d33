package dev.impulse.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.impulse.testing.RawHttp;
import dev.impulse.testing.Tars;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The wrapper contract for Python's wrapper, skyhook.py. */
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
}
