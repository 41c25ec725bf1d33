package dev.impulse.testing;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/** The least of a DNS server: one name with one IPv4 address, for a test's own "internet". */
final class Dns {
  private Dns() {}

  /**
   * The response to {@code query}: {@code address} for an A query of {@code name}, no answer for
   * its other types, NXDOMAIN for other names; null for what is not a query.
   */
  static byte[] answer(byte[] query, String name, InetAddress address) {
    if (query.length < 17 || (query[2] & 0x80) != 0) {
      return null;
    }
    StringBuilder asked = new StringBuilder();
    int at = 12;
    while (at < query.length && query[at] != 0) {
      int length = query[at] & 0xff;
      if (length > 63 || at + 1 + length > query.length) {
        return null;
      }
      if (!asked.isEmpty()) {
        asked.append('.');
      }
      asked.append(new String(query, at + 1, length, StandardCharsets.US_ASCII));
      at += 1 + length;
    }
    int questionEnd = at + 5; // the zero label, type and class
    if (questionEnd > query.length) {
      return null;
    }
    int type = ((query[at + 1] & 0xff) << 8) | (query[at + 2] & 0xff);
    boolean known = asked.toString().equalsIgnoreCase(name);
    boolean answers = known && type == 1;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(query[0]);
    out.write(query[1]);
    out.write(0x81); // a response, recursion desired
    out.write(known ? 0x80 : 0x83); // recursion available; NXDOMAIN for unknown names
    out.writeBytes(new byte[] {0, 1, 0, (byte) (answers ? 1 : 0), 0, 0, 0, 0});
    out.write(query, 12, questionEnd - 12);
    if (answers) {
      out.writeBytes(new byte[] {(byte) 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4});
      out.writeBytes(address.getAddress());
    }
    return out.toByteArray();
  }
}
