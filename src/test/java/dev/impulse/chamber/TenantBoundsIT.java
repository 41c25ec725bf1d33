package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import dev.impulse.testing.Http;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a function writes and prints is bounded before the daemon holds it: its termination message,
 * its logs read by many clients at once; and what its monitor spends is the chamber's. The daemon
 * runs as a process with a small heap that dies on running out of it, so a bound that does not hold
 * ends the test.
 */
class TenantBoundsIT {
  static final int READERS = 150;

  static DaemonFixture impulse;

  @BeforeAll
  static void start() {
    impulse =
        DaemonFixture.startProcess(
            DaemonFixture.Options.defaults()
                .withPortCount(5)
                .withArgs("--max-connections-per-client", "400", "--log-size-max", "10485760")
                .withJvm("-Xmx128m", "-XX:+ExitOnOutOfMemoryError"));
    impulse.upload("flood", "1", Functions.terminationFlood());
    impulse.upload("chatty", "1", Functions.chatty());
    impulse.upload("sampleapp", "1.0.0", Functions.sample());
  }

  @AfterAll
  static void stop() {
    impulse.close();
  }

  @Test
  void aHugeTerminationMessageIsCutEscapedAndCannotFillTheDisk() throws Exception {
    String id = impulse.create("flood", "1", "python3").get("id").asText();
    int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();

    JsonNode wrote = impulse.call(port, "{}").json();
    assertThat(wrote.get("error").asText())
        .as("the termination log is a small file system of its own")
        .contains("No space left on device");
    assertThat(wrote.get("written").asLong()).isLessThan(64 * 1024);

    JsonNode failed = impulse.awaitStatus(id, "FAILED");
    String reason = failed.get("reason").asText();
    assertThat(reason.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4096 + 512);
    assertThat(reason)
        .startsWith("bye\\n2026-01-01T00:00:00.000Z INFO  ChamberService - FORGED line\\n")
        .doesNotContain("\n")
        .endsWith("[cut]");
    Http.Response list = impulse.get("/chambers");
    assertThat(list.body().length()).isLessThan(16 * 1024);
    assertThat(Files.readAllLines(impulse.log()))
        .as("no line of the daemon's log was forged")
        .noneMatch(line -> line.startsWith("2026-01-01T00:00:00.000Z INFO  ChamberService"));
    assertThat(impulse.delete("/chambers/" + id).status()).isEqualTo(204);
  }

  @Test
  void manyClientsReadingABigLogAtOnceCostBoundedMemory() throws Exception {
    String id = impulse.create("chatty", "1", "python3").get("id").asText();
    int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
    assertThat(impulse.call(port, "{\"lines\": 9000}").status()).isEqualTo(200);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!impulse.get("/chambers/" + id + "/logs?tail=1").body().equals("done\n")) {
      assertThat(System.nanoTime()).as("the log is written").isLessThan(deadline);
      Thread.sleep(100);
    }
    Path log = impulse.dataDir().resolve("chambers").resolve(id).resolve("container.log");
    assertThat(Files.size(log)).isGreaterThan(9L << 20);

    List<CompletableFuture<Http.Response>> reads = new ArrayList<>();
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < READERS; i++) {
        reads.add(
            CompletableFuture.supplyAsync(() -> impulse.get("/chambers/" + id + "/logs"), clients));
      }
      int served = 0;
      for (CompletableFuture<Http.Response> read : reads) {
        Http.Response response = read.get();
        // Beyond --max-streams (64) at once, a read is refused at once.
        assertThat(response.status()).isIn(200, 429);
        if (response.status() == 200) {
          assertThat(response.body().length()).isEqualTo(9000 * 1001 + 5);
          served++;
        }
      }
      assertThat(served).isGreaterThan(0);
    }
    assertThat(impulse.isAlive()).as("the daemon survived").isTrue();
    assertThat(impulse.get("/healthz").status()).isEqualTo(200);
    assertThat(impulse.delete("/chambers/" + id).status()).isEqualTo(204);
  }

  @Test
  void aLogReadTheClientDoesNotTakeHoldsAStreamSlot() throws Exception {
    try (DaemonFixture one =
        DaemonFixture.startProcess(
            DaemonFixture.Options.defaults()
                .withPortCount(2)
                // a 9 MB log: more than the kernel's socket buffers (4 MiB here) can take, so the
                // daemon's write to a client that reads nothing really blocks
                .withArgs("--max-streams", "1", "--log-size-max", "10485760"))) {
      one.upload("chatty", "1", Functions.chatty());
      String id = one.create("chatty", "1", "python3").get("id").asText();
      int port = one.awaitStatus(id, "RUNNING").get("port").asInt();
      assertThat(one.call(port, "{\"lines\": 9000}").status()).isEqualTo(200);
      String logs = "/chambers/" + id + "/logs";
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!one.get(logs + "?tail=1").body().equals("done\n")) {
        assertThat(System.nanoTime()).as("the log is written").isLessThan(deadline);
        Thread.sleep(100);
      }

      // A client asks for the whole 9 MB log and reads none of it: the daemon's write blocks.
      try (Socket slow = new Socket()) {
        slow.setReceiveBufferSize(4096);
        slow.connect(new InetSocketAddress("127.0.0.1", one.uri("/").getPort()), 2000);
        slow.getOutputStream()
            .write(
                ("GET "
                        + logs
                        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                        + one.token()
                        + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        slow.getOutputStream().flush();
        assertThat(slow.getInputStream().read()).as("the held read began").isNotNegative();
        Http.Response refused = one.get(logs + "?tail=1");
        deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (refused.status() == 200 && System.nanoTime() < deadline) {
          Thread.sleep(50); // the held read has not started yet
          refused = one.get(logs + "?tail=1");
        }
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.json().get("type").asText()).endsWith(":too-many-streams");
        assertThat(refused.json().get("detail").asText()).contains("--max-streams");
      }

      // Once that client is gone, its slot is free again.
      deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      Http.Response served = one.get(logs + "?tail=1");
      while (served.status() == 429 && System.nanoTime() < deadline) {
        Thread.sleep(100);
        served = one.get(logs + "?tail=1");
      }
      assertThat(served.status()).as(served.body()).isEqualTo(200);
      assertThat(served.body()).isEqualTo("done\n");
    }
  }

  @Test
  void conmonIsChargedToTheChamberItServes() throws Exception {
    String id = impulse.create("sampleapp", "1.0.0", "python3").get("id").asText();
    impulse.awaitStatus(id, "RUNNING");
    Path chamber = impulse.dataDir().resolve("chambers").resolve(id);
    int conmon = Integer.parseInt(Files.readString(chamber.resolve("conmon.pid")).strip());
    String parent = "/impulse-" + impulse.name() + "/" + id;
    List<String> cgroups = Files.readAllLines(Path.of("/proc", Integer.toString(conmon), "cgroup"));
    for (String controller : List.of("memory", "cpu", "pids")) {
      assertThat(cgroups)
          .as(controller)
          .anyMatch(line ->
              line.matches("\\d+:([a-z,]*,)?" + controller + "(,[a-z,]*)?:" + parent + "/conmon"));
    }
    Path memory = Path.of("/sys/fs/cgroup/memory" + parent);
    assertThat(Files.readString(memory.resolve("memory.limit_in_bytes")).strip())
        .as("the chamber's limit covers its container and its monitor: memory and disk (/tmp)")
        .isEqualTo(Long.toString((256L + 256L) << 20));
    assertThat(Files.readString(Path.of("/sys/fs/cgroup/cpu" + parent, "cpu.cfs_quota_us")).strip())
        .as("one core by default")
        .isEqualTo("100000");
    assertThat(impulse.delete("/chambers/" + id).status()).isEqualTo(204);
    assertThat(memory).as("its cgroups go with it").doesNotExist();
  }
}
