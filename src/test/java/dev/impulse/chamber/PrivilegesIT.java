package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A hostile tenant probes its own privileges from inside a real chamber: it must find itself an
 * unprivileged user with no capabilities, unable to write outside a bounded /tmp or to see the
 * host's memory maps or cgroup path.
 */
class PrivilegesIT {
  static DaemonFixture impulse;
  static JsonNode found;
  static JsonNode chamber;

  @BeforeAll
  static void probe() {
    impulse = DaemonFixture.startProcess(DaemonFixture.Options.defaults().withPortCount(2));
    impulse.upload("probe", "1", Functions.privilegeProbe());
    chamber = impulse.create("probe", "1", "python3");
    impulse.awaitStatus(chamber.get("id").asText(), "RUNNING");
    found = impulse.call(chamber.get("port").asInt(), "{\"fillBytes\": 536870912}").json();
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
  }

  @Test
  void itsSystemCallsAreFilteredSoNoNamespaceOrKeyringIsReachable() {
    assertThat(found.get("seccomp").asText()).as("seccomp mode: filter").isEqualTo("2");
    assertThat(found.get("unshareUser").asText()).isIn("EPERM", "ENOSYS");
    assertThat(found.get("keyctl").asText()).isIn("EPERM", "ENOSYS");
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
