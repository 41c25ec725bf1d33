package dev.impulse.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.impulse.daemon.DaemonConfig;
import dev.impulse.daemon.ServiceConfig;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import dev.impulse.testing.Http;
import dev.impulse.testing.Tars;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The proxy's bounds with a daemon whose queue holds one call and whose activation timeout is 1.5
 * s: a full queue answers 429 with Retry-After, a call that finds no chamber in time 504.
 */
class ProxyLimitsIT {
  static DaemonFixture impulse;

  @BeforeAll
  static void start() {
    impulse =
        DaemonFixture.start(
            DaemonFixture.Options.defaults()
                .withPortCount(20)
                .withConfig(b ->
                    b.service(
                        new ServiceConfig(
                            DaemonConfig.Listen.parse("127.0.0.1:0"),
                            Duration.ofMillis(1500),
                            1,
                            64,
                            Duration.ofSeconds(60)))));
    impulse.upload("echo", "1", Tars.function(DeploymentIT.ECHO));
    impulse.upload("slow", "1", Functions.slowImport(5));
  }

  @AfterAll
  static void stop() {
    impulse.close();
  }

  private static Http.Response call(String path, String json) {
    return impulse
        .http()
        .send(
            "POST",
            impulse.proxyUri(path),
            json.getBytes(StandardCharsets.UTF_8),
            "application/json");
  }

  @Test
  void aFullQueueAnswers429WithRetryAfterAndAQueuedCallTimesOutWith504() throws Exception {
    impulse.putJson(
        "/deployments/echo",
        "{\"version\":\"1\",\"runtime\":\"python3\",\"maxChambers\":1,\"minChambers\":1}");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (call("/echo", "{}").status() != 200 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      CompletableFuture<Http.Response> busy =
          CompletableFuture.supplyAsync(() -> call("/echo", "{\"sleep\":4}"), clients);
      awaitDeployment("echo", "inFlight", 1);
      CompletableFuture<Http.Response> queued =
          CompletableFuture.supplyAsync(() -> call("/echo", "{}"), clients);
      awaitDeployment("echo", "queued", 1);

      Http.Response refused = call("/echo", "{}");
      assertThat(refused.status()).as(refused.body()).isEqualTo(429);
      assertThat(refused.header("Retry-After")).isEqualTo("1");
      assertThat(refused.json().get("detail").asText()).contains("--queue-length");

      Http.Response timedOut = queued.get();
      assertThat(timedOut.status()).as(timedOut.body()).isEqualTo(504);
      assertThat(timedOut.json().get("detail").asText()).contains("1500 ms");
      assertThat(busy.get().status()).isEqualTo(200);
    }
    assertThat(impulse.get("/deployments/echo").json().get("queued").asInt()).isZero();
    assertThat(impulse.delete("/deployments/echo").status()).isEqualTo(204);
  }

  @Test
  void aScaleFromZeroSlowerThanTheActivationTimeoutAnswers504AndTheChamberStillStarts() {
    impulse.putJson("/deployments/slow", "{\"version\":\"1\",\"runtime\":\"python3\"}");
    Http.Response answer = call("/slow", "{}");
    assertThat(answer.status()).as(answer.body()).isEqualTo(504);
    assertThat(answer.contentType()).startsWith("application/problem+json");
    assertThat(impulse.get("/deployments/slow").json().get("chambers")).hasSize(1);
    assertThat(impulse.delete("/deployments/slow").status()).isEqualTo(204);
    impulse.assertNothingLeaked();
  }

  private static void awaitDeployment(String app, String field, int value) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (impulse.get("/deployments/" + app).json().get(field).asInt() != value) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(app + " never had " + field + " = " + value);
      }
      Thread.sleep(20);
    }
  }
}
