package dev.impulse.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonBodiesTest {
  private final JsonBodies bodies = new JsonBodies(new ObjectMapper(), 64);

  private Map<String, Object> read(String body) {
    return bodies.readObject(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void anObjectBecomesPlainValuesInTheOrderGiven() {
    Map<String, Object> fields = read("{\"b\":\"x\",\"a\":1,\"c\":0.5,\"d\":[true],\"e\":{}}");
    assertThat(fields)
        .containsExactly(
            Map.entry("b", "x"),
            Map.entry("a", 1),
            Map.entry("c", 0.5),
            Map.entry("d", List.of(true)),
            Map.entry("e", Map.of()));
  }

  @Test
  void whatIsNotAJsonObjectIsRefusedWithWhy() {
    assertThatThrownBy(() -> read("[1]"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("the request body must be a JSON object");
    assertThatThrownBy(() -> read("{\"a\":"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageStartingWith("the request body is not valid JSON");
    assertThatThrownBy(() -> read(""))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("empty");
  }

  @Test
  void aBodyOverTheLimitIsRefused() {
    assertThatThrownBy(() -> read("{\"a\":\"" + "x".repeat(64) + "\"}"))
        .isInstanceOf(BodyTooLargeException.class);
  }
}
