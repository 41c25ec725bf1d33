package dev.impulse.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.linux.Mounts;
import dev.impulse.linux.Processes;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.EventStream;
import dev.impulse.testing.Functions;
import dev.impulse.testing.Http;
import dev.impulse.testing.ImportGate;
import dev.impulse.testing.InternetFixture;
import dev.impulse.testing.Runc;
import dev.impulse.testing.RuncHold;
import dev.impulse.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The daemon is killed or stopped and started again: chambers outlive it, nothing about them is
 * forgotten, and nothing half-made is left behind.
 */
class RecoveryIT {
  private static DaemonFixture.Options options(int ports) {
    return DaemonFixture.Options.defaults()
        .withPortCount(ports)
        .withStartupTimeout(Duration.ofSeconds(120));
  }

  /** What must not change across a restart. */
  private record Identity(int port, long created, String spec) {
    static Identity of(JsonNode chamber) {
      return new Identity(
          chamber.get("port").asInt(),
          chamber.get("createdTimeMillis").asLong(),
          chamber.get("spec").toString());
    }
  }

  @Test
  void chambersOutliveADaemonKilledWithCreatesInFlight() throws Exception {
    chambersOutliveTheDaemon(DaemonFixture::kill, 137, "SIGKILL");
  }

  @Test
  void chambersOutliveADaemonStoppedWithCreatesInFlight() throws Exception {
    chambersOutliveTheDaemon(DaemonFixture::terminate, 143, "SIGTERM");
  }

  /**
   * 20 chambers run and 5 creates are in flight when the daemon is stopped, each acknowledged and
   * held at a known point of its start: 3 with their containers running and their guests' imports
   * held at an {@link ImportGate}, 2 with their containers created and their starts held by a
   * {@link RuncHold}. One running chamber is killed while the daemon is down. After a restart every
   * chamber keeps its id, port, creation time and spec; the killed one shows the exit code conmon
   * recorded; the others answer. The starts cut short are STARTING still: a running container is
   * adopted (its guest never starts twice), a created one is released and started again (held again
   * once created). Once let go, each of them runs on its port and answers; no port is held twice,
   * nothing is left behind.
   */
  private static void chambersOutliveTheDaemon(
      java.util.function.ToIntFunction<DaemonFixture> stop, int exitCode, String how)
      throws Exception {
    try (RuncHold runc = RuncHold.create();
        InternetFixture internet = new InternetFixture();
        DaemonFixture impulse =
            DaemonFixture.startProcess(options(40).withArgs("--runc", runc.binary().toString()));
        ImportGate gate = new ImportGate(internet)) {
      try {
        chambersOutliveTheDaemon(impulse, runc, gate, stop, exitCode, how);
      } finally {
        runc.release(); // a held start holds its chamber's lock: nothing could destroy it
      }
    }
  }

  private static void chambersOutliveTheDaemon(
      DaemonFixture impulse,
      RuncHold runc,
      ImportGate gate,
      java.util.function.ToIntFunction<DaemonFixture> stop,
      int exitCode,
      String how)
      throws Exception {
    impulse.upload("sampleapp", "1.0.0", Functions.sample());
    impulse.upload("held", "1", Functions.importHeldAtGate(gate.host(), gate.port()));
    Map<String, Identity> survivors = new HashMap<>();
    for (int i = 0; i < 20; i++) {
      JsonNode chamber = impulse.create("sampleapp", "1.0.0", i % 2 == 0 ? "python3.9" : "python3");
      survivors.put(chamber.get("id").asText(), Identity.of(chamber));
    }
    for (String id : survivors.keySet()) {
      impulse.awaitStatus(id, "RUNNING");
    }

    // Creates in flight, each held where the test knows, and seen to be held there.
    Map<String, Identity> importing = new HashMap<>();
    for (int i = 0; i < 3; i++) {
      JsonNode chamber = impulse.create("held", "1", i % 2 == 0 ? "python3.11" : "python3.9");
      importing.put(chamber.get("id").asText(), Identity.of(chamber));
    }
    gate.awaitWaiting(importing.keySet(), Duration.ofSeconds(60));
    for (String id : importing.keySet()) {
      assertStartingAfter(impulse, id, "started");
    }
    runc.hold();
    Map<String, Identity> created = new HashMap<>();
    Map<String, Long> heldStarts = new HashMap<>();
    for (int i = 0; i < 2; i++) {
      JsonNode chamber = impulse.create("sampleapp", "1.0.0", "python3.11");
      String id = chamber.get("id").asText();
      created.put(id, Identity.of(chamber));
      heldStarts.put(id, runc.awaitHeldStart(id, pid -> true, Duration.ofSeconds(60)));
    }
    for (String id : created.keySet()) {
      assertStartingAfter(impulse, id, "created");
    }

    assertThat(stop.applyAsInt(impulse)).as(how).isIn(exitCode, 0);
    for (String id : created.keySet()) {
      // The stop left the held container as it was: created, its process not started.
      assertThat(new Runc(impulse.runDir()).run("state", id)).contains("\"status\": \"created\"");
    }

    // A chamber dies while nobody watches; conmon still records how.
    String victim = survivors.keySet().iterator().next();
    new Runc(impulse.runDir()).run("kill", victim, "KILL");
    awaitFile(impulse.runDir().resolve("exits").resolve(victim));

    impulse.restart();

    Set<Integer> ports = new HashSet<>();
    for (Map.Entry<String, Identity> survivor : survivors.entrySet()) {
      JsonNode chamber = impulse.chamber(survivor.getKey());
      assertThat(Identity.of(chamber)).isEqualTo(survivor.getValue());
      if (survivor.getKey().equals(victim)) {
        assertThat(chamber.get("status").asText()).isEqualTo("FAILED");
        assertThat(chamber.get("exitCode").asInt()).isEqualTo(137);
        assertThat(chamber.get("reason").asText()).isEqualTo("killed by signal 9 (SIGKILL)");
      } else {
        assertThat(ports.add(chamber.get("port").asInt())).isTrue();
        assertThat(chamber.get("status").asText()).isEqualTo("RUNNING");
        Http.Response answer = impulse.call(chamber.get("port").asInt(), "{}");
        assertThat(answer.json().get("chamber").asText()).isEqualTo(survivor.getKey());
      }
    }

    // The starts the stop cut short go on where they were, with what they were given.
    for (String id : created.keySet()) {
      long first = heldStarts.get(id);
      runc.awaitHeldStart(id, pid -> pid != first, Duration.ofSeconds(60));
      assertStartingAfter(impulse, id, "created");
    }
    Map<String, Identity> inFlight = new HashMap<>(importing);
    inFlight.putAll(created);
    for (Map.Entry<String, Identity> interrupted : inFlight.entrySet()) {
      JsonNode chamber = impulse.chamber(interrupted.getKey());
      assertThat(Identity.of(chamber)).isEqualTo(interrupted.getValue());
      assertThat(chamber.get("status").asText()).as(interrupted.getKey()).isEqualTo("STARTING");
    }
    assertThat(impulse.chambers()).as("no chamber more, none less").hasSize(25);

    runc.release();
    gate.open();
    for (String id : inFlight.keySet()) {
      JsonNode running = impulse.awaitStatus(id, "RUNNING"::equals, Duration.ofSeconds(120));
      assertThat(running.get("port").asInt()).isEqualTo(inFlight.get(id).port());
      assertThat(ports.add(running.get("port").asInt())).as("ports stay unique").isTrue();
      assertThat(impulse.call(running.get("port").asInt(), "{}").json().get("chamber").asText())
          .isEqualTo(id);
    }
    assertThat(gate.arrivals())
        .as("a running container was adopted: its guest never started again")
        .containsOnlyKeys(importing.keySet())
        .allSatisfy((id, starts) -> assertThat(starts).as(id).isEqualTo(1));

    // A restart never hands out a port a live chamber holds.
    JsonNode fresh = impulse.create("sampleapp", "1.0.0", "python3");
    assertThat(ports).doesNotContain(fresh.get("port").asInt());
  }

  /**
   * Chamber {@code id} is STARTING, the last step of its start so far is {@code step}: held there.
   */
  private static void assertStartingAfter(DaemonFixture impulse, String id, String step) {
    assertThat(impulse.chamber(id).get("status").asText()).as(id).isEqualTo("STARTING");
    List<String> steps =
        impulse.get("/chambers/" + id + "/startup").json().get("steps").findValuesAsText("step");
    assertThat(steps).as("the start of %s", id).isNotEmpty().endsWith(step);
  }

  @Test
  void aStoppedDaemonSaysSoAndItsChambersAnswerMeanwhile() throws Exception {
    try (DaemonFixture impulse = DaemonFixture.startProcess(options(5))) {
      impulse.upload("sampleapp", "1.0.0", Functions.sample());
      JsonNode chamber = impulse.create("sampleapp", "1.0.0", "python3");
      impulse.awaitStatus(chamber.get("id").asText(), "RUNNING");
      impulse.terminate();
      assertThat(Files.readString(impulse.log()))
          .contains("impulse daemon stopping; chambers keep running");
      assertThat(impulse.call(chamber.get("port").asInt(), "{}").status()).isEqualTo(200);
      impulse.restart();
      assertThat(impulse.chamber(chamber.get("id").asText()).get("status").asText())
          .isEqualTo("RUNNING");
    }
  }

  @Test
  void aStartPutsTheNeighbourEntriesOfKeptChambersRightAndRemovesThoseOfNone() throws Exception {
    try (DaemonFixture impulse = DaemonFixture.startProcess(options(8))) {
      impulse.upload("sampleapp", "1.0.0", Functions.sample());
      JsonNode chamber = impulse.create("sampleapp", "1.0.0", "python3");
      String id = chamber.get("id").asText();
      chamber = impulse.awaitStatus(id, "RUNNING");
      String address = chamber.get("address").asText();
      String namespace = impulse.bridge() + "-" + chamber.get("port").asInt();
      // As an earlier version of impulse left a namespace: a veth's own hardware address and
      // learned entries only. And a permanent entry of an address no chamber holds, as a kill
      // leaves one of the pool's.
      Tools.run("ip", "-n", namespace, "link", "set", "eth0", "address", "02:00:00:00:00:01");
      Tools.run("ip", "-n", namespace, "neigh", "flush", "all", "nud", "all");
      Tools.run("ip", "neigh", "flush", "to", address, "dev", impulse.bridge(), "nud", "all");
      String stray = address.substring(0, address.lastIndexOf('.')) + ".250";
      Tools.run(
          "ip",
          "neigh",
          "replace",
          stray,
          "lladdr",
          "0a:58:00:00:00:fa",
          "dev",
          impulse.bridge(),
          "nud",
          "permanent");
      impulse.kill();

      impulse.restart();
      String mac =
          dev.impulse.network.Subnet.hardwareAddress(java.net.InetAddress.getByName(address));
      String entries =
          Tools.run("ip", "-4", "neigh", "show", "dev", impulse.bridge(), "nud", "permanent");
      assertThat(entries).contains(address + " lladdr " + mac).doesNotContain(stray + " ");
      assertThat(Tools.run("ip", "-n", namespace, "link", "show", "eth0")).contains(mac);
      assertThat(Tools.run("ip", "-n", namespace, "-4", "neigh", "show", "nud", "permanent"))
          .contains(impulse.gateway() + " dev eth0 lladdr");
      assertThat(impulse.call(chamber.get("port").asInt(), "{}").status()).isEqualTo(200);
      impulse.delete("/chambers/" + id);
      impulse.assertNothingLeaked();
    }
  }

  @Test
  void aDestroyCutShortByAKillIsFinishedAtStartUp() throws Exception {
    DaemonFixture.Options slowStop =
        new DaemonFixture.Options(
            10, Duration.ofSeconds(60), Duration.ofSeconds(30), 256, Duration.ofMillis(500));
    try (DaemonFixture impulse = DaemonFixture.startProcess(slowStop)) {
      impulse.upload("hanging", "1", Functions.hanging());
      String id = impulse.create("hanging", "1", "python3").get("id").asText();
      int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
      CompletableFuture.runAsync(() -> impulse.call(port, "{\"hang\":true}"));
      CompletableFuture.runAsync(() -> impulse.delete("/chambers/" + id));
      impulse.awaitStatus(id, "STOPPING"::equals, Duration.ofSeconds(10));
      impulse.kill();

      impulse.restart();
      assertThat(impulse.get("/chambers/" + id).status()).isEqualTo(404);
      try (EventStream events = impulse.events(0)) {
        JsonNode deleted =
            events.until(EventStream.to(id, "DELETED"), Duration.ofSeconds(10)).getLast();
        assertThat(deleted.get("reason").asText()).startsWith("destroy finished at start-up");
      }
      impulse.assertNothingLeaked();
    }
  }

  @Test
  void aRebootThatTookEveryContainerIsRecoveredFrom() throws Exception {
    try (DaemonFixture impulse = DaemonFixture.startProcess(options(10))) {
      impulse.upload("sampleapp", "1.0.0", Functions.sample());
      String plain = impulse.create("sampleapp", "1.0.0", "python3").get("id").asText();
      JsonNode restarting =
          impulse
              .post(
                  "/chambers",
                  "{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python3\",\"restart\":\"on-failure\"}")
              .json();
      String resilient = restarting.get("id").asText();
      impulse.awaitStatus(plain, "RUNNING");
      impulse.awaitStatus(resilient, "RUNNING");
      impulse.terminate();

      // What a reboot does: every process and mount gone, /run empty, the data directory intact.
      for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
        String line = p.info().commandLine().orElse("");
        if (line.contains("conmon") && line.contains(impulse.runDir().toString())) {
          Processes.signal((int) p.pid(), 9);
        }
      }
      Runc runc = new Runc(impulse.runDir());
      for (String id : List.of(plain, resilient)) {
        runc.run("kill", id, "KILL");
        runc.run("delete", "--force", id);
      }
      for (Path mount : Mounts.mountPoints()) {
        if (mount.startsWith(impulse.dataDir())) {
          Mounts.unmount(mount);
        }
      }
      dev.impulse.linux.FileTrees.deleteRecursively(impulse.runDir());
      impulse.removeNetwork();

      impulse.restart();
      JsonNode lost = impulse.chamber(plain);
      assertThat(lost.get("status").asText()).isEqualTo("FAILED");
      assertThat(lost.has("exitCode")).isFalse();
      assertThat(lost.get("reason").asText()).contains("no exit code was recorded");
      JsonNode back = impulse.awaitStatus(resilient, "RUNNING"::equals, Duration.ofSeconds(60));
      assertThat(back.get("restarts").asInt()).isEqualTo(1);
      assertThat(back.get("port").asInt()).isEqualTo(restarting.get("port").asInt());
      assertThat(impulse.call(back.get("port").asInt(), "{}").status()).isEqualTo(200);
    }
  }

  @Test
  void aRunningContainerTheStoreForgotIsAdopted() throws Exception {
    try (DaemonFixture impulse = DaemonFixture.startProcess(options(10))) {
      impulse.upload("sampleapp", "1.0.0", Functions.sample());
      JsonNode created =
          impulse
              .post(
                  "/chambers",
                  "{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python3\",\"memoryMb\":128}")
              .json();
      String id = created.get("id").asText();
      impulse.awaitStatus(id, "RUNNING");
      impulse.terminate();
      try (Connection db =
              DriverManager.getConnection(
                  "jdbc:sqlite:" + impulse.dataDir().resolve("impulse.db"));
          PreparedStatement delete = db.prepareStatement("DELETE FROM chambers WHERE id = ?")) {
        delete.setString(1, id);
        assertThat(delete.executeUpdate()).isEqualTo(1);
      }

      impulse.restart();
      JsonNode adopted = impulse.chamber(id);
      assertThat(adopted.get("status").asText()).isEqualTo("RUNNING");
      assertThat(adopted.get("reason").asText()).startsWith("adopted at start-up");
      assertThat(Identity.of(adopted)).isEqualTo(Identity.of(created));
      assertThat(impulse.call(adopted.get("port").asInt(), "{}").status()).isEqualTo(200);
    }
  }

  @Test
  void leftoversNoRecordOwnsAreRemovedAtStartUp() throws Exception {
    try (DaemonFixture impulse = DaemonFixture.startProcess(options(10))) {
      impulse.terminate();
      Path stray = impulse.dataDir().resolve("chambers/ghost-1-abcde");
      Files.createDirectories(stray.resolve("upper"));
      Files.writeString(impulse.runDir().resolve("exits/ghost-1-abcde"), "0");
      impulse.restart();
      assertThat(stray).doesNotExist();
      try (Stream<Path> exits = Files.list(impulse.runDir().resolve("exits"))) {
        assertThat(exits).isEmpty();
      }
    }
  }

  @Test
  void aChangedRunDirIsRefusedWhileChambersRunUnderTheOldOne() throws Exception {
    try (DaemonFixture impulse = DaemonFixture.startProcess(options(5))) {
      impulse.upload("sampleapp", "1.0.0", Functions.sample());
      String id = impulse.create("sampleapp", "1.0.0", "python3").get("id").asText();
      int port = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
      impulse.terminate();

      Path moved = Path.of(impulse.runDir() + "-moved");
      try {
        Map.Entry<Integer, String> refused =
            impulse.startRefused(Map.of("--run-dir", moved.toString()));
        assertThat(refused.getKey()).as(refused.getValue()).isNotZero();
        assertThat(refused.getValue())
            .contains("--run-dir " + impulse.runDir())
            .contains(id)
            .doesNotContain("Exception");
      } finally {
        dev.impulse.linux.FileTrees.deleteRecursively(moved);
      }
      assertThat(impulse.call(port, "{}").status()).as("its chamber runs on").isEqualTo(200);
      assertThat(impulse.dataDir().resolve("chambers").resolve(id).resolve("upper")).exists();

      impulse.restart();
      assertThat(impulse.chamber(id).get("status").asText()).isEqualTo("RUNNING");
      assertThat(impulse.call(port, "{}").status()).isEqualTo(200);
    }
  }

  @Test
  void aLostStoreLosesNoFunctionAndNoRunningChamber() throws Exception {
    try (DaemonFixture impulse = DaemonFixture.startProcess(options(5))) {
      impulse.upload("sampleapp", "1.0.0", Functions.sample());
      String digest = impulse.get("/functions/sampleapp/1.0.0").json().get("digest").asText();
      String id = impulse.create("sampleapp", "1.0.0", "python3").get("id").asText();
      impulse.awaitStatus(id, "RUNNING");
      impulse.terminate();
      for (String file : List.of("impulse.db", "impulse.db-wal", "impulse.db-shm")) {
        Files.deleteIfExists(impulse.dataDir().resolve(file));
      }

      impulse.restart();
      JsonNode function = impulse.get("/functions/sampleapp/1.0.0").json();
      assertThat(function.get("digest").asText()).as("re-imported as it was").isEqualTo(digest);
      assertThat(impulse.chamber(id).get("status").asText()).isEqualTo("RUNNING");
      assertThat(impulse.call(impulse.chamber(id).get("port").asInt(), "{}").status())
          .isEqualTo(200);
      String another = impulse.create("sampleapp", "1.0.0", "python3").get("id").asText();
      int port = impulse.awaitStatus(another, "RUNNING").get("port").asInt();
      assertThat(impulse.call(port, "{}").status()).isEqualTo(200);
    }
  }

  private static void awaitFile(Path file) throws InterruptedException, IOException {
    for (int i = 0; i < 100 && !Files.exists(file); i++) {
      Thread.sleep(50);
    }
    assertThat(file).exists();
  }
}
