package dev.impulse.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code --network host}, the proof of concept's networking, still works as it did. */
class HostNetworkIT {
  @Test
  void theSampleAnswersOnItsPortWithNoNamespaceOrBridge() {
    try (DaemonFixture impulse =
        DaemonFixture.start(
            DaemonFixture.Options.defaults()
                .withPortCount(2)
                .withConfig(config -> config.network("host")))) {
      impulse.upload("sampleapp", "1.0.0", Functions.sample());
      JsonNode chamber = impulse.create("sampleapp", "1.0.0", "python3");
      chamber = impulse.awaitStatus(chamber.get("id").asText(), "RUNNING");
      assertThat(chamber.has("address")).isFalse();
      JsonNode answer = impulse.call(chamber.get("port").asInt(), "{\"name\": \"host\"}").json();
      assertThat(answer.get("chamber").asText()).isEqualTo(chamber.get("id").asText());
      assertThat(Files.exists(Path.of("/sys/class/net", impulse.bridge()))).isFalse();
      assertThat(Files.exists(Path.of("/run/netns", impulse.bridge() + "-" + chamber.get("port"))))
          .isFalse();
    }
  }
}
