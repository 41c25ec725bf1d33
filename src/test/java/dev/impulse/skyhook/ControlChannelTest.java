package dev.impulse.skyhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stem cell's exchange with the daemon, against a daemon's end played on a real Unix socket. */
class ControlChannelTest {
  @TempDir Path tmp;

  /** Listens at {@code path}; the one connection gets {@code answer} after the ready line. */
  private static CompletableFuture<String> daemon(Path path, String answer) throws IOException {
    ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    listener.bind(UnixDomainSocketAddress.of(path));
    return CompletableFuture.supplyAsync(() -> {
      try (listener;
          SocketChannel cell = listener.accept()) {
        StringBuilder ready = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (cell.read(one.clear()) > 0 && one.get(0) != '\n') {
          ready.append((char) one.get(0));
        }
        cell.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8)));
        return ready.toString();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  void theCellSaysReadyWithItsTimingsAndTakesTheChambersEnvAndMeta() throws Exception {
    Path socket = tmp.resolve("control");
    CompletableFuture<String> said =
        daemon(
            socket,
            "{\"env\":{\"SKYHOOK_APP\":\"demo\",\"GREETING\":\"hi\"},"
                + "\"meta\":{\"chamber_id\":\"c-9\",\"app\":\"demo\",\"version\":\"2\"}}\n");
    ControlChannel.Specialisation chamber =
        ControlChannel.specialise(socket.toString(), Map.of("started", 1.25));
    assertThat(said.get(10, TimeUnit.SECONDS)).isEqualTo("{\"ready\":{\"started\":1.25}}");
    assertThat(chamber.env())
        .containsExactly(Map.entry("SKYHOOK_APP", "demo"), Map.entry("GREETING", "hi"));
    assertThat(chamber.meta())
        .containsExactly(
            Map.entry("chamber_id", "c-9"), Map.entry("app", "demo"), Map.entry("version", "2"));
  }

  @Test
  void aDaemonThatHangsUpWithoutAWholeLineFailsTheCell() throws Exception {
    Path socket = tmp.resolve("control");
    daemon(socket, "{\"env\":{}");
    assertThatThrownBy(() -> ControlChannel.specialise(socket.toString(), Map.of()))
        .isInstanceOf(ControlChannel.ControlFailure.class)
        .hasMessage("the daemon hung up before specialising this cell");
  }

  @Test
  void aSpecialisationThatIsNotOneIsRefused() {
    assertThatThrownBy(() -> parse("[]"))
        .hasMessage("the daemon's specialisation is not an object");
    assertThatThrownBy(() -> parse("{\"env\":{},\"meta\":[]}"))
        .hasMessage("the daemon's specialisation has no object 'meta'");
    assertThatThrownBy(() -> parse("{\"env\":{\"N\":1},\"meta\":{}}"))
        .hasMessage("the daemon's specialisation has a 'env' that is not text: N");
    assertThatThrownBy(() -> parse("{"))
        .hasMessageStartingWith("the daemon's specialisation is not JSON: ");
  }

  private static ControlChannel.Specialisation parse(String line)
      throws ControlChannel.ControlFailure {
    return ControlChannel.parse(line.getBytes(StandardCharsets.UTF_8));
  }
}
