package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Many creates at once: every chamber gets its own port, starts, answers and is destroyed cleanly.
 */
class ConcurrentCreatesIT {
  static final int CHAMBERS = 50;

  @Test
  void fiftyConcurrentCreatesGetFiftyPortsAndAllRun() throws Exception {
    try (DaemonFixture impulse =
        DaemonFixture.start(
            DaemonFixture.Options.defaults()
                .withPortCount(60)
                .withStartupTimeout(Duration.ofSeconds(120)))) {
      impulse.upload("sampleapp", "1.0.0", Functions.sample());
      CountDownLatch go = new CountDownLatch(1);
      List<JsonNode> created = new ArrayList<>();
      try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<JsonNode>> results = new ArrayList<>();
        for (int i = 0; i < CHAMBERS; i++) {
          String runtime = i % 2 == 0 ? "python3.9" : "python3.11";
          results.add(
              clients.submit(() -> {
                go.await();
                return impulse.create("sampleapp", "1.0.0", runtime);
              }));
        }
        go.countDown();
        for (Future<JsonNode> result : results) {
          created.add(result.get());
        }
      }
      Set<Integer> ports = new HashSet<>();
      Set<String> ids = new HashSet<>();
      for (JsonNode chamber : created) {
        ports.add(chamber.get("port").asInt());
        ids.add(chamber.get("id").asText());
      }
      assertThat(ports).hasSize(CHAMBERS).allMatch(impulse.ports()::contains);
      assertThat(ids).hasSize(CHAMBERS);

      for (JsonNode chamber : created) {
        String id = chamber.get("id").asText();
        impulse.awaitStatus(id, "RUNNING"::equals, Duration.ofSeconds(180));
        assertThat(impulse.call(chamber.get("port").asInt(), "{}").json().get("chamber").asText())
            .as("the chamber on port %s is %s", chamber.get("port"), id)
            .isEqualTo(id);
      }

      try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<Integer>> deletes = new ArrayList<>();
        for (String id : ids) {
          deletes.add(clients.submit(() -> impulse.delete("/chambers/" + id).status()));
        }
        for (Future<Integer> status : deletes) {
          assertThat(status.get()).isEqualTo(204);
        }
      }
      assertThat(impulse.chambers()).isEmpty();
      impulse.assertNothingLeaked();
    }
  }
}
