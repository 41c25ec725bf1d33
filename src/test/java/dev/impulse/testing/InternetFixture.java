package dev.impulse.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A network namespace standing for the internet: a veth from the host (198.18.K.1/30, the
 * benchmarking range, which nothing routes) to the namespace (198.18.K.2), where an HTTP server
 * answers on port 80 and a DNS server on port 53 knows {@link #NAME}. It also holds a link-local
 * address ({@link #linkLocal()}, as a cloud's metadata service has) with its own HTTP server,
 * routed from the host. Traffic to it never leaves the machine.
 */
public final class InternetFixture implements AutoCloseable {
  /** The name its DNS server resolves to {@link #address()}. */
  public static final String NAME = "internet.impulse.test";

  private final String namespace;
  private final String hostVeth;
  private final int block;
  private final List<HttpServer> servers = new ArrayList<>();
  private final DatagramChannel dns;
  private final Thread dnsThread;

  public InternetFixture() {
    String id = Long.toString(ThreadLocalRandom.current().nextLong(1L << 30), 36);
    this.namespace = "impit-net-" + id;
    this.hostVeth = "inet" + id;
    this.block = ThreadLocalRandom.current().nextInt(256);
    ip("netns", "add", namespace);
    ip("link", "add", hostVeth, "type", "veth", "peer", "name", "eth0", "netns", namespace);
    ip("addr", "add", "198.18." + block + ".1/30", "dev", hostVeth);
    ip("link", "set", hostVeth, "up");
    ip("route", "add", linkLocal().getHostAddress() + "/32", "via", address().getHostAddress());
    ip("-n", namespace, "addr", "add", "198.18." + block + ".2/30", "dev", "eth0");
    ip("-n", namespace, "addr", "add", linkLocal().getHostAddress() + "/32", "dev", "eth0");
    ip("-n", namespace, "link", "set", "eth0", "up");
    ip("-n", namespace, "link", "set", "lo", "up");
    ip("-n", namespace, "route", "add", "default", "via", "198.18." + block + ".1");
    Path path = Path.of("/run/netns", namespace);
    servers.add(Netns.in(path, () -> http(address(), "hello from the internet")));
    servers.add(Netns.in(path, () -> http(linkLocal(), "metadata: secret-token")));
    this.dns =
        Netns.in(path, () -> DatagramChannel.open().bind(new InetSocketAddress(address(), 53)));
    this.dnsThread = Thread.ofVirtual().name("test dns").start(this::serveDns);
  }

  /** Runs {@code work} in the namespace: sockets it opens are the internet's. */
  public <T> T inside(java.util.concurrent.Callable<T> work) {
    return Netns.in(Path.of("/run/netns", namespace), work);
  }

  /** The internet server's address (HTTP on 80, DNS on 53). */
  public InetAddress address() {
    return addressOf("198.18." + block + ".2");
  }

  /** The host's own end of the veth to the internet: an address of the host. */
  public InetAddress hostSide() {
    return addressOf("198.18." + block + ".1");
  }

  /** A link-local address in the namespace, with an HTTP server that hands out "secrets". */
  public InetAddress linkLocal() {
    return addressOf("169.254." + block + ".77");
  }

  private static InetAddress addressOf(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpServer http(InetAddress address, String body) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(address, 80), 16);
    server.createContext(
        "/",
        exchange -> {
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.start();
    return server;
  }

  /** Answers A queries for {@link #NAME} with {@link #address()}; NXDOMAIN for other names. */
  private void serveDns() {
    ByteBuffer in = ByteBuffer.allocate(512);
    while (dns.isOpen()) {
      try {
        in.clear();
        var from = dns.receive(in);
        in.flip();
        byte[] query = new byte[in.remaining()];
        in.get(query);
        byte[] answer = Dns.answer(query, NAME, address());
        if (answer != null) {
          dns.send(ByteBuffer.wrap(answer), from);
        }
      } catch (IOException closed) {
        return;
      }
    }
  }

  @Override
  public void close() {
    servers.forEach(s -> s.stop(0));
    try {
      dns.close();
      dnsThread.join();
    } catch (IOException | InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ip("route", "del", linkLocal().getHostAddress() + "/32");
    ip("link", "del", hostVeth);
    ip("netns", "del", namespace);
    if (Files.exists(Path.of("/run/netns", namespace))) {
      throw new IllegalStateException("network namespace " + namespace + " is still there");
    }
  }

  private static void ip(String... args) {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
