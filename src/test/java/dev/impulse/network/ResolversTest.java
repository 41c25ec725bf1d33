package dev.impulse.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolversTest {
  /** The host's own addresses: its LAN address, libvirt's and Docker's bridges. */
  private static final Set<InetAddress> HOST =
      Set.of(at("192.0.2.2"), at("192.168.122.1"), at("172.17.0.1"));

  @TempDir Path dir;

  private static InetAddress at(String literal) {
    return InetAddress.ofLiteral(literal);
  }

  private Path conf(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  @Test
  void loopbackStubsAreSkippedForTheUpstreamServersBehindThem() throws Exception {
    Path stub = conf("stub", "nameserver 127.0.0.53\noptions edns0\n");
    Path upstream = conf("upstream", "# systemd\nnameserver 192.0.2.53\nnameserver ::1\n");
    Resolvers.Upstream found = Resolvers.upstream(List.of(stub, upstream), HOST);
    assertThat(found.servers()).containsExactly(at("192.0.2.53"));
    assertThat(found.skipped())
        .extracting(Resolvers.Skipped::server, Resolvers.Skipped::source)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(at("127.0.0.53"), stub),
            org.assertj.core.groups.Tuple.tuple(at("::1"), upstream));
  }

  @Test
  void atMostThreeLiteralServersAreTaken() throws Exception {
    Path conf =
        conf(
            "conf",
            "nameserver dns.example\nnameserver cafe\nnameserver 198.51.100.1\nnameserver 198.51.100.2\n"
                + "nameserver 198.51.100.3\nnameserver 198.51.100.4\n");
    assertThat(Resolvers.upstream(List.of(conf), HOST).servers())
        .containsExactly(at("198.51.100.1"), at("198.51.100.2"), at("198.51.100.3"));
    assertThat(Resolvers.upstream(List.of(dir.resolve("missing")), HOST).servers()).isEmpty();
  }

  @Test
  void serversChambersCannotReachAreSkippedBeforeTheThreeAreCounted() throws Exception {
    Path conf =
        conf(
            "conf",
            "nameserver 2001:db8::53\nnameserver 169.254.169.254\nnameserver 192.168.122.1\n"
                + "nameserver 224.0.0.251\nnameserver 0.0.0.0\nnameserver 198.51.100.53\n");
    Resolvers.Upstream found = Resolvers.upstream(List.of(conf), HOST);
    assertThat(found.servers()).containsExactly(at("198.51.100.53"));
    assertThat(found.skipped())
        .extracting(Resolvers.Skipped::server)
        .containsExactly(
            at("2001:db8::53"),
            at("169.254.169.254"),
            at("192.168.122.1"),
            at("224.0.0.251"),
            at("0.0.0.0"));
  }

  @Test
  void aFileWithOnlyUnreachableServersFallsThroughToTheNext() throws Exception {
    Path gce = conf("gce", "nameserver 169.254.169.254\n");
    Path libvirt = conf("libvirt", "nameserver 192.168.122.1\nnameserver 172.17.0.1\n");
    Path next = conf("next", "nameserver 198.51.100.53\n");
    Resolvers.Upstream found = Resolvers.upstream(List.of(gce, libvirt, next), HOST);
    assertThat(found.servers()).containsExactly(at("198.51.100.53"));
    assertThat(found.skipped()).hasSize(3);
  }

  @Test
  void whenNoFileNamesAReachableServerNoneIsGivenAndAllSkippedAreTold() throws Exception {
    Path gce =
        conf("gce", "search c.project.internal google.internal\nnameserver 169.254.169.254\n");
    Resolvers.Upstream found = Resolvers.upstream(List.of(gce, dir.resolve("missing")), HOST);
    assertThat(found.servers()).isEmpty();
    assertThat(found.skipped())
        .singleElement()
        .hasToString(
            "169.254.169.254 (" + gce + "): in 169.254.0.0/16, which chambers may not reach");
  }

  @Test
  void eachReasonNamesWhyAChamberCannotReachTheServer() {
    assertThat(Resolvers.unreachable(at("2001:db8::53"), HOST)).get().asString().contains("IPv6");
    assertThat(Resolvers.unreachable(at("127.0.0.53"), HOST)).get().asString().contains("loopback");
    assertThat(Resolvers.unreachable(at("192.0.2.2"), HOST))
        .get()
        .asString()
        .contains("address of this host");
    assertThat(Resolvers.unreachable(at("169.254.169.254"), HOST))
        .get()
        .asString()
        .contains("169.254.0.0/16");
    assertThat(Resolvers.unreachable(at("192.0.2.53"), HOST)).isEmpty();
    assertThat(Resolvers.unreachable(at("10.0.0.53"), Set.of())).isEmpty();
  }

  @Test
  void everyNetworkOfTheRulesUnreachableSetIsSkipped() {
    for (String cidr : Cidrs.split(BridgeRules.UNREACHABLE)) {
      InetAddress first = at(cidr.replaceFirst("/.*", ""));
      assertThat(Resolvers.unreachable(first, Set.of())).as(cidr).isPresent();
    }
  }

  @Test
  void theChambersResolvConfNamesOnlyTheServers() throws Exception {
    assertThat(Resolvers.resolvConf(List.of(at("192.0.2.53"))))
        .endsWith("\nnameserver 192.0.2.53\n");
  }
}
