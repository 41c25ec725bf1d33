package dev.impulse.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Http;
import dev.impulse.testing.Tars;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Deployments survive the daemon: killed and started again, it routes calls to the chambers that
 * survived at once, and a deployment deleted while it was away... cannot be; one that is gone takes
 * its chambers with it.
 */
class DeploymentRecoveryIT {
  static DaemonFixture impulse;

  @BeforeAll
  static void start() {
    impulse = DaemonFixture.startProcess(DaemonFixture.Options.defaults().withPortCount(20));
    impulse.upload("echo", "1", Tars.function(DeploymentIT.ECHO));
  }

  @AfterAll
  static void stop() {
    impulse.close();
  }

  private static Http.Response call(String path) {
    return impulse
        .http()
        .send(
            "POST",
            impulse.proxyUri(path),
            "{}".getBytes(StandardCharsets.UTF_8),
            "application/json");
  }

  @Test
  void aKilledDaemonRoutesToTheSurvivingChamberAtOnceWhenItIsBack() {
    assertThat(
            impulse
                .putJson(
                    "/deployments/echo",
                    "{\"version\":\"1\",\"runtime\":\"python3\",\"concurrency\":4}")
                .status())
        .isEqualTo(201);
    Http.Response before = call("/echo/a");
    assertThat(before.status()).as(before.body()).isEqualTo(200);
    String chamber = before.header("X-Impulse-Chamber");

    impulse.kill();
    impulse.restart();

    Http.Response after = call("/echo/b");
    assertThat(after.status()).as(after.body()).isEqualTo(200);
    assertThat(after.header("X-Impulse-Chamber")).isEqualTo(chamber);
    assertThat(impulse.get("/deployments/echo").json().get("chambers").get(0).asText())
        .isEqualTo(chamber);
    assertThat(impulse.get("/deployments/echo").json().at("/scaling/concurrency").asInt())
        .isEqualTo(4);
    assertThat(impulse.chambers()).hasSize(1);

    assertThat(impulse.delete("/deployments/echo").status()).isEqualTo(204);
    assertThat(impulse.chambers()).isEmpty();
  }
}
