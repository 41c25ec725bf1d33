package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import dev.impulse.testing.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A hostile tenant probes its own privileges from inside a real chamber: it must find itself an
 * unprivileged user with no capabilities, unable to write outside a /tmp bounded by its {@code
 * diskMb} or to see the host's memory maps or cgroup path.
 */
class PrivilegesIT {
  private static final long MIB = 1 << 20;
  private static final int MEMORY_MB = 64;
  private static final int DISK_MB = 24;

  static DaemonFixture impulse;
  static JsonNode found;
  static JsonNode chamber;

  @BeforeAll
  static void probe() {
    impulse = DaemonFixture.startProcess(DaemonFixture.Options.defaults().withPortCount(2));
    impulse.upload("probe", "1", Functions.privilegeProbe());
    Http.Response created =
        impulse.post(
            "/chambers",
            "{\"app\":\"probe\",\"version\":\"1\",\"runtime\":\"python3\",\"memoryMb\":"
                + MEMORY_MB
                + ",\"diskMb\":"
                + DISK_MB
                + "}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    chamber = created.json();
    impulse.awaitStatus(chamber.get("id").asText(), "RUNNING");
    // well past its disk: a write of 32 MiB into a /tmp of 24
    found =
        impulse
            .call(
                chamber.get("port").asInt(),
                "{\"fillBytes\": 33554432, \"hostPid\": " + ProcessHandle.current().pid() + "}")
            .json();
  }

  @AfterAll
  static void stop() {
    impulse.close();
  }

  @Test
  void theFunctionRunsAsTheChambersOwnUnprivilegedUser() {
    long expected = 2_000_000_000L + chamber.get("port").asInt();
    assertThat(found.get("uid").asLong()).isEqualTo(expected);
    assertThat(found.get("gid").asLong()).isEqualTo(expected);
    assertThat(found.get("setuidRoot").asText()).isEqualTo("EPERM");
  }

  @Test
  void itHoldsNoCapabilityAndCanGainNone() {
    assertThat(found.get("capEff").asText()).isEqualTo("0000000000000000");
    assertThat(found.get("capPrm").asText()).isEqualTo("0000000000000000");
    assertThat(found.get("capBnd").asText()).isEqualTo("0000000000000000");
    assertThat(found.get("noNewPrivs").asText()).isEqualTo("1");
    assertThat(found.get("chroot").asText()).isEqualTo("EPERM");
    assertThat(found.get("bindPrivilegedPort").asText()).isEqualTo("EACCES");
  }

  @Test
  void itWritesOnlyToItsTmpAndOnlyUpToItsBound() {
    assertThat(found.get("writeRoot").asText()).isEqualTo("EROFS");
    assertThat(found.get("writeTmp").asText()).isEqualTo("ok");
    assertThat(found.get("fillTmp").asText()).isEqualTo("ENOSPC");
    assertThat(found.get("filledBytes").asLong())
        .as("all of its diskMb but the 64 KiB written before, and no more")
        .isBetween((DISK_MB - 1) * MIB, DISK_MB * MIB - 65536);
  }

  @Test
  void aFullDiskIsItsOwnBusinessItKeepsRunningWithItsWholeMemory() {
    String id = chamber.get("id").asText();
    // /tmp is still full from the probe; the function asks for most of its memoryMb besides.
    Http.Response after =
        impulse.call(
            chamber.get("port").asInt(),
            "{\"disk\": true, \"allocateMb\": " + (MEMORY_MB * 9 / 16) + "}");
    assertThat(after.status()).as(after.body()).isEqualTo(200);
    JsonNode disk = after.json();
    assertThat(disk.get("home").asText()).isEqualTo("/tmp");
    assertThat(disk.get("homeOnTmp").asBoolean()).as("HOME is on the bounded /tmp").isTrue();
    assertThat(disk.get("tmpBytes").asLong()).isEqualTo(DISK_MB * MIB);
    assertThat(disk.get("tmpFreeBytes").asLong()).isLessThan(64 * 1024);
    assertThat(disk.get("writeHome").asText()).isEqualTo("ENOSPC");
    assertThat(disk.get("allocate").asText())
        .as("a full /tmp leaves the function its memory: the cgroup holds memory and disk")
        .isEqualTo("ok");

    JsonNode now = impulse.chamber(id);
    assertThat(now.get("status").asText()).isEqualTo("RUNNING");
    assertThat(now.get("restarts").asInt()).isZero();
    assertThat(now.has("reason")).as(now.toString()).isFalse();
    JsonNode stats = impulse.get("/chambers/" + id + "/stats").json();
    assertThat(stats.get("memoryLimitBytes").asLong()).isEqualTo((MEMORY_MB + DISK_MB) * MIB);
    assertThat(stats.get("memoryBytes").asLong())
        .as("what /tmp holds is memory the chamber pays for")
        .isGreaterThan((DISK_MB - 1) * MIB);
    assertThat(impulse.call(chamber.get("port").asInt(), "{\"disk\": true}").status())
        .as("it still answers")
        .isEqualTo(200);
  }

  @Test
  void itsSystemCallsAreFilteredSoNoNamespaceOrKeyringIsReachable() {
    assertThat(found.get("seccomp").asText()).as("seccomp mode: filter").isEqualTo("2");
    assertThat(found.get("unshareUser").asText()).isIn("EPERM", "ENOSYS");
    assertThat(found.get("keyctl").asText()).isIn("EPERM", "ENOSYS");
  }

  @Test
  void itCanNeitherTraceNorSignalAnythingOutsideItsChamber() {
    assertThat(found.get("ptrace").asText()).isEqualTo("EPERM");
    assertThat(found.get("signalHost").asText()).isEqualTo("ESRCH");
  }

  @Test
  void inotifyInstancesItHoardsAreItsOwnUsersNotRoots() throws Exception {
    assertThat(found.get("inotifyInstances").asInt()).isPositive();
    // root (this test, the daemon) can still watch files while the chamber holds its whole share
    try (java.nio.file.WatchService watch =
        java.nio.file.FileSystems.getDefault().newWatchService()) {
      java.nio.file.Path.of("/tmp")
          .register(watch, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE);
    }
    // and the daemon still learns of exits (its watcher is inotify): a second chamber starts
    String second = impulse.create("probe", "1", "python3").get("id").asText();
    impulse.awaitStatus(second, "RUNNING");
    assertThat(impulse.delete("/chambers/" + second).status()).isEqualTo(204);
  }

  @Test
  void itSeesNeitherTheHostsMemoryMapsNorItsCgroupPath() {
    assertThat(found.get("kpageflags").asText()).isIn("ok:0 bytes", "EACCES", "EPERM");
    assertThat(found.get("cgroup").asText()).doesNotContain("impulse");
  }
}
