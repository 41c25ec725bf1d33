package dev.impulse.skyhook;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A stem cell's one exchange with the daemon, on the Unix socket at SKYHOOK_CONTROL: it says {@code
 * {"ready": <timings>}} in one line and reads the one line that makes it a chamber's, {@code
 * {"env": {...}, "meta": {"chamber_id", "app", "version"}}} (at most {@link #MAX_LINE} bytes), then
 * hangs up: the connection is closed before any guest code is loaded.
 */
final class ControlChannel {
  static final int MAX_LINE = 1024 * 1024;

  private ControlChannel() {}

  /** What the daemon sent: the chamber's environment and identity. */
  record Specialisation(Map<String, String> env, Map<String, String> meta) {}

  /** The daemon hung up, or said something else than a specialisation. */
  static final class ControlFailure extends Exception {
    private static final long serialVersionUID = 1L;

    ControlFailure(String message) {
      super(message);
    }
  }

  /** Says ready with {@code timings} on the socket at {@code path}, waits for the chamber. */
  static Specialisation specialise(String path, Map<String, Object> timings)
      throws IOException, ControlFailure {
    Map<String, Object> ready = new LinkedHashMap<>();
    ready.put("ready", timings);
    byte[] json = JsonWriter.write(ready);
    byte[] line;
    try (SocketChannel control = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      control.connect(UnixDomainSocketAddress.of(path));
      ByteBuffer out = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
      while (out.hasRemaining()) {
        control.write(out);
      }
      line = readLine(control);
    } // closed here: before the guest's code is loaded
    if (line == null) {
      throw new ControlFailure("the daemon hung up before specialising this cell");
    }
    return parse(line);
  }

  /** One line, its newline dropped; null when the peer hung up first or it is over the bound. */
  private static byte[] readLine(SocketChannel channel) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(8192);
    while (line.size() <= MAX_LINE) {
      buffer.clear();
      if (channel.read(buffer) < 0) {
        return null;
      }
      for (int i = 0; i < buffer.position(); i++) {
        if (buffer.get(i) == '\n') {
          line.write(buffer.array(), 0, i);
          return line.size() <= MAX_LINE ? line.toByteArray() : null;
        }
      }
      line.write(buffer.array(), 0, buffer.position());
    }
    return null;
  }

  static Specialisation parse(byte[] line) throws ControlFailure {
    Object value;
    try {
      value = JsonReader.read(line);
    } catch (JsonReader.MalformedJson e) {
      throw new ControlFailure("the daemon's specialisation is not JSON: " + e.getMessage());
    }
    if (!(value instanceof Map)) {
      throw new ControlFailure("the daemon's specialisation is not an object");
    }
    Map<?, ?> chamber = (Map<?, ?>) value;
    return new Specialisation(strings(chamber, "env"), strings(chamber, "meta"));
  }

  private static Map<String, String> strings(Map<?, ?> chamber, String name) throws ControlFailure {
    Object value = chamber.get(name);
    if (!(value instanceof Map)) {
      throw new ControlFailure("the daemon's specialisation has no object '" + name + "'");
    }
    Map<String, String> strings = new LinkedHashMap<>();
    for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
      if (!(entry.getValue() instanceof String)) {
        throw new ControlFailure(
            "the daemon's specialisation has a '" + name + "' that is not text: " + entry.getKey());
      }
      strings.put((String) entry.getKey(), (String) entry.getValue());
    }
    return strings;
  }
}
