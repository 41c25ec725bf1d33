package dev.impulse.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import dev.impulse.testing.InternetFixture;
import dev.impulse.testing.Netns;
import dev.impulse.testing.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A hostile tenant probes the network from inside a real chamber on the bridge: it must reach
 * nothing of the host (on any of its addresses), no other chamber, no abstract socket of the host,
 * no link-local service, and must not be able to take another chamber's port; and it must reach the
 * "internet" (a namespace of the test's own) by address and by name. Each refusal is paired with a
 * check, from the host, that the target is really there.
 */
class NetworkIsolationIT {
  /** What a connection a filter drops ends in: no answer, or no route once ARP gave up. */
  static final List<String> DROPPED = List.of("timeout", "EHOSTUNREACH", "ENETUNREACH");

  static final int MAX_FLOWS = 32;

  static InternetFixture internet;
  static DaemonFixture impulse;
  static ServerSocket hostService;
  static Thread hostServiceThread;
  static String abstractName;
  static int abstractFd;
  static JsonNode a;
  static JsonNode b;

  @BeforeAll
  static void start() throws IOException {
    internet = new InternetFixture();
    // Any service of the host, listening on every address.
    hostService = new ServerSocket();
    hostService.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
    hostServiceThread = Thread.ofVirtual().start(NetworkIsolationIT::serveHost);
    abstractName = "impulse-it-host-" + ThreadLocalRandom.current().nextInt(1 << 30);
    abstractFd = Netns.listenAbstract(abstractName);
    impulse =
        DaemonFixture.start(
            DaemonFixture.Options.defaults()
                .withPortCount(8)
                .withConfig(config ->
                    config.dns(internet.address().getHostAddress()).chamberMaxFlows(MAX_FLOWS)));
    impulse.upload("probe", "1", Functions.networkProbe());
    a = impulse.create("probe", "1", "python3");
    b = impulse.create("probe", "1", "python3");
    a = impulse.awaitStatus(a.get("id").asText(), "RUNNING");
    b = impulse.awaitStatus(b.get("id").asText(), "RUNNING");
  }

  @AfterAll
  static void stop() throws IOException {
    try {
      if (impulse != null) {
        impulse.close();
      }
    } finally {
      hostService.close();
      Netns.close(abstractFd);
      internet.close();
    }
  }

  private static void serveHost() {
    while (!hostService.isClosed()) {
      try (Socket client = hostService.accept()) {
        client.getOutputStream().write("host secret\n".getBytes(StandardCharsets.US_ASCII));
      } catch (IOException closed) {
        return;
      }
    }
  }

  /** Asks chamber {@code chamber}'s probe to try {@code request}. */
  private static JsonNode probe(JsonNode chamber, String request) {
    return impulse.call(chamber.get("port").asInt(), request).json();
  }

  private static String tcp(String host, int port) {
    return "[\"" + host + "\", " + port + "]";
  }

  /** Whether the test (on the host) can open a connection: the target is really there. */
  private static boolean hostReaches(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 2000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void eachChamberHasAnAddressOfItsOwnAndItsPortStillAnswers() {
    String first = a.get("address").asText();
    String second = b.get("address").asText();
    assertThat(first).isNotEqualTo(second);
    assertThat(first.substring(0, first.lastIndexOf('.')))
        .isEqualTo(impulse.gateway().substring(0, impulse.gateway().lastIndexOf('.')));
    assertThat(probe(a, "{}").get("whoami").asText()).isEqualTo(a.get("id").asText());
    assertThat(probe(b, "{}").get("whoami").asText()).isEqualTo(b.get("id").asText());
  }

  @Test
  void chamberAndBridgeKnowEachOthersHardwareAddressPermanently() {
    String address = a.get("address").asText();
    String chamberMac = Subnet.hardwareAddress(ipv4(address));
    String gatewayMac = Subnet.hardwareAddress(ipv4(impulse.gateway()));
    String namespace = impulse.bridge() + "-" + a.get("port").asInt();
    // No ARP on a chamber's first packet, and no entry the kernel's neighbour table limit counts.
    assertThat(Tools.run("ip", "-4", "neigh", "show", "dev", impulse.bridge(), "nud", "permanent"))
        .contains(address + " lladdr " + chamberMac + " PERMANENT");
    assertThat(Tools.run("ip", "-n", namespace, "-4", "neigh", "show", "nud", "permanent"))
        .contains(impulse.gateway() + " dev eth0 lladdr " + gatewayMac + " PERMANENT");
    assertThat(Tools.run("ip", "-n", namespace, "link", "show", "eth0")).contains(chamberMac);
    assertThat(Tools.run("ip", "link", "show", impulse.bridge())).contains(gatewayMac);
    assertThat(probe(a, "{}").get("whoami").asText()).isEqualTo(a.get("id").asText());
  }

  private static InetAddress ipv4(String address) {
    try {
      return InetAddress.getByName(address);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aChamberReachesNothingOfTheHost() {
    int service = hostService.getLocalPort();
    int api = impulse.uri("/").getPort();
    String gateway = impulse.gateway();
    assertThat(hostReaches(gateway, service)).as("the host service answers on the bridge").isTrue();

    String other = internet.hostSide().getHostAddress();
    assertThat(hostReaches(other, service))
        .as("the host service answers on every address")
        .isTrue();

    JsonNode found =
        probe(
            a,
            "{\"tcp\": ["
                + String.join(
                    ", ",
                    tcp(gateway, service),
                    tcp(other, service),
                    tcp(gateway, api),
                    tcp("127.0.0.1", api),
                    tcp("127.0.0.1", service))
                + "]}");
    JsonNode tcp = found.get("tcp");
    assertThat(tcp.get(gateway + ":" + service).asText()).isIn(DROPPED);
    assertThat(tcp.get(other + ":" + service).asText()).isIn(DROPPED);
    assertThat(tcp.get(gateway + ":" + api).asText()).isIn(DROPPED);
    // Loopback in a chamber is its own: nothing of the host listens there.
    assertThat(tcp.get("127.0.0.1:" + api).asText()).isEqualTo("ECONNREFUSED");
    assertThat(tcp.get("127.0.0.1:" + service).asText()).isEqualTo("ECONNREFUSED");
  }

  @Test
  void aChamberReachesNoOtherChamber() {
    String other = b.get("address").asText();
    int otherPort = b.get("port").asInt();
    assertThat(hostReaches(other, BridgeNetwork.WRAPPER_PORT)).isTrue();

    JsonNode tcp =
        probe(
                a,
                "{\"tcp\": ["
                    + tcp(other, BridgeNetwork.WRAPPER_PORT)
                    + ", "
                    + tcp(impulse.gateway(), otherPort)
                    + "]}")
            .get("tcp");
    assertThat(tcp.get(other + ":" + BridgeNetwork.WRAPPER_PORT).asText()).isIn(DROPPED);
    assertThat(tcp.get(impulse.gateway() + ":" + otherPort).asText()).isIn(DROPPED);
  }

  @Test
  void theHostsAbstractSocketsAreNotInAChambersNamespace() {
    JsonNode found = probe(a, "{\"abstract\": [\"" + abstractName + "\"]}");
    assertThat(found.get("abstract").get(abstractName).asText()).isEqualTo("ECONNREFUSED");
  }

  @Test
  void holdingEveryPortOfTheRangeInsideAChamberTakesNoPortOfTheHost() {
    List<String> ports = new ArrayList<>();
    for (int port = impulse.ports().first(); port <= impulse.ports().last(); port++) {
      ports.add(Integer.toString(port));
    }
    JsonNode held = probe(a, "{\"hold\": [" + String.join(", ", ports) + "]}").get("hold");
    ports.forEach(port -> assertThat(held.get(port).asText()).as(port).isEqualTo("held"));

    // A new chamber still gets a port, answers on it itself, and so does the one already there.
    JsonNode c = impulse.create("probe", "1", "python3");
    c = impulse.awaitStatus(c.get("id").asText(), "RUNNING");
    assertThat(probe(c, "{}").get("whoami").asText()).isEqualTo(c.get("id").asText());
    assertThat(probe(b, "{}").get("whoami").asText()).isEqualTo(b.get("id").asText());
    assertThat(impulse.delete("/chambers/" + c.get("id").asText()).status()).isEqualTo(204);
  }

  @Test
  void theInternetIsReachableByAddressAndByName() {
    String address = internet.address().getHostAddress();
    String name = InternetFixture.NAME;
    JsonNode found =
        probe(
            a,
            "{\"http\": [\"http://"
                + address
                + "/\", \"http://"
                + name
                + "/\"], \"resolve\": [\""
                + name
                + "\"], \"files\": [\"/etc/resolv.conf\"]}");
    assertThat(found.get("http").get("http://" + address + "/").asText())
        .isEqualTo("hello from the internet");
    assertThat(found.get("resolve").get(name).get(0).asText()).isEqualTo(address);
    assertThat(found.get("http").get("http://" + name + "/").asText())
        .isEqualTo("hello from the internet");
    String resolv = found.get("files").get("/etc/resolv.conf").asText();
    // No loopback stub; "127." alone would also match the random test address 198.18.127.2.
    assertThat(resolv)
        .contains("nameserver " + address)
        .doesNotContainPattern("(?m)^nameserver 127\\.");
  }

  @Test
  void linkLocalServicesSuchAsCloudMetadataAreOutOfReach() throws Exception {
    String metadata = internet.linkLocal().getHostAddress();
    assertThat(hostReaches(metadata, 80)).as("the link-local server answers the host").isTrue();

    JsonNode found = probe(a, "{\"tcp\": [" + tcp(metadata, 80) + "]}");
    assertThat(found.get("tcp").get(metadata + ":80").asText()).isIn(DROPPED);
    // The rule that drops it, read back: every link-local address, 169.254.169.254 among them.
    String set = nft("list", "set", "inet", "impulse_" + impulse.bridge(), "unreachable");
    assertThat(set).contains("169.254.0.0/16").contains("127.0.0.0/8");
  }

  @Test
  void aHostServiceOtherSoftwareForwardsIsOutOfReachToo() throws Exception {
    // What Docker or kube-proxy does for a published port: DNAT before routing, in a table of
    // their own. Here it sends the gateway's port 46200 to the "internet" server.
    String table = "impulse_it_fwd_" + ThreadLocalRandom.current().nextInt(1 << 20);
    nft(
        "add table ip "
            + table
            + " ; add chain ip "
            + table
            + " pre { type nat hook prerouting priority -100 ; } ; add rule ip "
            + table
            + " pre ip daddr "
            + impulse.gateway()
            + " tcp dport 46200 dnat to "
            + internet.address().getHostAddress()
            + ":80");
    try {
      JsonNode found = probe(a, "{\"tcp\": [" + tcp(impulse.gateway(), 46200) + "]}");
      assertThat(found.get("tcp").get(impulse.gateway() + ":46200").asText()).isIn(DROPPED);
    } finally {
      nft("delete table ip " + table);
    }
  }

  @Test
  void aChamberHasABoundedShareOfTheHostsConnectionTable() {
    String host = internet.address().getHostAddress();
    JsonNode many =
        probe(a, "{\"many\": {\"host\": \"" + host + "\", \"port\": 80, \"count\": 48}}")
            .get("many");
    int connected = many.get("connected").asInt();
    assertThat(connected).as(many.toString()).isBetween(MAX_FLOWS - 4, MAX_FLOWS);
    assertThat(many.get("failed").get("timeout").asInt()).isEqualTo(48 - connected);
    // closed connections no longer count
    JsonNode again =
        probe(a, "{\"http\": [\"http://" + host + "/\"]}").get("http").get("http://" + host + "/");
    assertThat(again.asText()).isEqualTo("hello from the internet");
  }

  private static String nft(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("nft"));
    for (String arg : args) {
      command.addAll(List.of(arg.split(" ")));
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (InputStream out = p.getInputStream()) {
      String text = new String(out.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as(text).isZero();
      return text;
    }
  }
}
