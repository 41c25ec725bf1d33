package dev.impulse.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Who a connection counts against. */
class ConnectionGuardTest {
  private static InetAddress clientOf(String address) throws Exception {
    return ConnectionGuard.clientOf(InetAddress.getByName(address));
  }

  @Test
  void everyLoopbackAddressIsOneClient() throws Exception {
    InetAddress loopback = clientOf("127.0.0.1");
    assertThat(clientOf("127.0.0.2")).isEqualTo(loopback);
    assertThat(clientOf("127.254.3.9")).isEqualTo(loopback);
    assertThat(clientOf("::1")).isEqualTo(loopback);
    assertThat(clientOf("::ffff:127.0.0.5")).as("IPv4-mapped").isEqualTo(loopback);
  }

  @Test
  void anIpv6ClientIsItsSlash64() throws Exception {
    assertThat(clientOf("2001:db8:1:2::1")).isEqualTo(clientOf("2001:db8:1:2:ffff:ffff:ffff:ffff"));
    assertThat(clientOf("2001:db8:1:2::1")).isNotEqualTo(clientOf("2001:db8:1:3::1"));
    assertThat(clientOf("fe80::1")).isNotEqualTo(clientOf("127.0.0.1"));
  }

  @Test
  void anIpv4ClientIsItsAddress() throws Exception {
    assertThat(clientOf("192.0.2.1")).isEqualTo(InetAddress.getByName("192.0.2.1"));
    assertThat(clientOf("192.0.2.1")).isNotEqualTo(clientOf("192.0.2.2"));
    assertThat(clientOf("10.0.0.1")).isNotEqualTo(clientOf("127.0.0.1"));
  }
}
