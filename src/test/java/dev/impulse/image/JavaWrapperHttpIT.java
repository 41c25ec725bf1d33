package dev.impulse.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.impulse.testing.Guests;
import dev.impulse.testing.Tars;
import java.io.UncheckedIOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The wrapper contract for Java's wrapper, skyhook.jar, with the JDK server's two documented
 * differences: its own 400 for a malformed request, and an oversized head closed unanswered (the
 * client sees the connection closed or reset).
 */
class JavaWrapperHttpIT extends WrapperHttpContract {
  @Override
  String runtime() {
    return "java21";
  }

  @Override
  byte[] echoGuest() {
    return Tars.tar()
        .file(
            "echo.jar",
            Guests.jar(
                Map.of(
                    "e.Echo",
"""
                    package e;

                    import java.util.LinkedHashMap;
                    import java.io.UncheckedIOException;
import java.util.Map;
                    import java.util.function.BiFunction;

                    public class Echo implements BiFunction<Object, Map<String, Object>, Object> {
                      @Override
                      public Object apply(Object request, Map<String, Object> meta) {
                        if ("raise".equals(request)) {
                          throw new java.util.NoSuchElementException("no such thing");
                        }
                        Map<String, Object> answer = new LinkedHashMap<>();
                        answer.put("got", request);
                        answer.put("path", meta.get("path"));
                        answer.put("method", meta.get("method"));
                        return answer;
                      }
                    }
"""),
                "e.Echo"),
            0644)
        .bytes();
  }

  @Override
  String raisedError() {
    return "java.util.NoSuchElementException";
  }

  @Override
  @Test
  void aMalformedRequestIsABadRequestAndItsConnectionCloses() {
    assertThat(send("NONSENSE\r\n\r\n").status()).isEqualTo(400);
  }

  @Override
  @Test
  void anOversizedHeadIsRefused() {
    String huge = "X-Big: " + "a".repeat(70_000) + "\r\n";
    assertThatThrownBy(() -> send("POST / HTTP/1.1\r\nHost: x\r\n" + huge + "\r\n"))
        .isInstanceOf(UncheckedIOException.class);
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 150; i++) {
      many.append("X-H").append(i).append(": v\r\n");
    }
    assertThatThrownBy(() -> send("POST / HTTP/1.1\r\nHost: x\r\n" + many + "\r\n"))
        .isInstanceOf(UncheckedIOException.class);
  }
}
