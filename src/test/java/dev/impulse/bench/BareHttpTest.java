package dev.impulse.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BareHttpTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void readsTheStatusAndABodyDelimitedByLengthOrClose() throws IOException {
    BareHttp.Answer a =
        BareHttp.parse(bytes("HTTP/1.1 201 Created\r\nContent-Length: 11\r\n\r\n{\"id\":\"é\"}"));
    assertThat(a.status()).isEqualTo(201);
    assertThat(a.body()).isEqualTo("{\"id\":\"é\"}");
  }

  @Test
  void joinsAChunkedBody() throws IOException {
    BareHttp.Answer a =
        BareHttp.parse(
            bytes(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3;x=y\r\n:1}\r\n0\r\n\r\n"));
    assertThat(a.body()).isEqualTo("{\"a\":1}");
  }

  @Test
  void refusesWhatIsNotAnAnswerOrIsCutShort() {
    assertThatThrownBy(() -> BareHttp.parse(bytes("SSH-2.0-x\r\n\r\n")))
        .hasMessageContaining("not an HTTP answer");
    assertThatThrownBy(() ->
            BareHttp.parse(
                bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort")))
        .hasMessageContaining("cut short");
  }
}
