package dev.impulse.network;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.impulse.linux.CommandFailedException;
import dev.impulse.linux.ProcessCommandRunner;
import dev.impulse.linux.Reaper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetCommandsTest {
  private final ProcessCommandRunner runner = new ProcessCommandRunner(new Reaper());

  @Test
  void aProgramThatCannotStartIsANetworkException() {
    Path missing = Path.of("/nonexistent/ip");
    NetCommands commands = new NetCommands(runner, missing, missing, missing);
    assertThatThrownBy(() -> commands.ip("make bridge impulse0", "link add impulse0\n"))
        .isInstanceOf(NetworkException.class)
        .hasMessageStartingWith("cannot make bridge impulse0: ")
        .hasMessageContaining("could not start")
        .hasCauseInstanceOf(CommandFailedException.class);
    assertThatThrownBy(() -> commands.background().nft("forward port 1", "flush ruleset\n"))
        .isInstanceOf(NetworkException.class);
    assertThatThrownBy(() -> commands.ipIn("impulse0-1", "configure it", "link set lo up\n"))
        .isInstanceOf(NetworkException.class);
    assertThatThrownBy(() -> commands.ipOutput("list the host's routes", List.of("route")))
        .isInstanceOf(NetworkException.class);
  }

  @Test
  void aProgramThatFailsIsNamedEvenWhenItRanAtLowPriority() {
    Path fails = Path.of("/bin/false");
    NetCommands commands = new NetCommands(runner, fails, fails, fails).background();
    assertThatThrownBy(() -> commands.nft("forward port 1", "flush ruleset\n"))
        .isInstanceOf(NetworkException.class)
        .hasMessage("cannot forward port 1: /bin/false failed (exit 1): []");
  }
}
