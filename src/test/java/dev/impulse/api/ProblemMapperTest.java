package dev.impulse.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.jetty.http.BadMessageException;
import org.junit.jupiter.api.Test;

class ProblemMapperTest {
  @Test
  void jettyCuttingASlowBodyIsA408ForTheClient() {
    Problem p =
        ProblemMapper.toProblem(
            new BadMessageException(408, "Request content data rate < 1024 B/s"),
            "/chambers",
            "POST");
    assertThat(p.status()).isEqualTo(408);
    assertThat(p.type()).isEqualTo("urn:impulse:problem:request-timeout");
    assertThat(p.detail()).contains("1024 bytes/s").doesNotContain("B/s <");
  }

  @Test
  void otherMessagesJettyRefusesAreTheClients400s() {
    Problem bad =
        ProblemMapper.toProblem(new BadMessageException("Invalid chunk"), "/functions", "PUT");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.detail()).contains("Invalid chunk");
  }
}
