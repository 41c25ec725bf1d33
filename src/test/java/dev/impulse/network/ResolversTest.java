package dev.impulse.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolversTest {
  @TempDir Path dir;

  @Test
  void loopbackStubsAreSkippedForTheUpstreamServersBehindThem() throws Exception {
    Path stub = Files.writeString(dir.resolve("stub"), "nameserver 127.0.0.53\noptions edns0\n");
    Path upstream =
        Files.writeString(
            dir.resolve("upstream"), "# systemd\nnameserver 192.0.2.53\nnameserver ::1\n");
    assertThat(Resolvers.upstream(List.of(stub, upstream)))
        .containsExactly(InetAddress.getByName("192.0.2.53"));
  }

  @Test
  void atMostThreeLiteralServersAreTaken() throws Exception {
    Path conf =
        Files.writeString(
            dir.resolve("conf"),
            "nameserver dns.example\nnameserver 192.0.2.1\nnameserver 192.0.2.2\n"
                + "nameserver 192.0.2.3\nnameserver 192.0.2.4\n");
    assertThat(Resolvers.upstream(List.of(conf))).hasSize(3);
    assertThat(Resolvers.upstream(List.of(dir.resolve("missing")))).isEmpty();
  }

  @Test
  void theChambersResolvConfNamesOnlyTheServers() throws Exception {
    assertThat(Resolvers.resolvConf(List.of(InetAddress.getByName("192.0.2.53"))))
        .endsWith("\nnameserver 192.0.2.53\n");
  }
}
