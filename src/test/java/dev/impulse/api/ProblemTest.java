package dev.impulse.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProblemTest {
  @Test
  void aProblemIsWrittenWithItsExtensionsAsMembersAndWithoutAbsentOnes() throws Exception {
    Problem problem =
        new Problem(
            "urn:impulse:problem:unknown-runtime",
            "Unknown runtime",
            400,
            "no runtime 'cobol'",
            null,
            Map.of("runtimes", List.of("python3")));
    assertThat(new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(problem)))
        .isEqualTo(
            new ObjectMapper()
                .readTree(
                    "{\"type\":\"urn:impulse:problem:unknown-runtime\",\"title\":\"Unknown"
                        + " runtime\",\"status\":400,\"detail\":\"no runtime 'cobol'\","
                        + "\"runtimes\":[\"python3\"]}"));
  }
}
