package dev.impulse.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.linux.CommandFailedException;
import dev.impulse.linux.CommandResult;
import dev.impulse.linux.CommandRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuncTest {
  private final List<List<String>> commands = new ArrayList<>();

  private Runc runc(int exitCode, String stdout, String stderr) {
    CommandRunner runner =
        (command, timeout) -> {
          commands.add(command);
          return new CommandResult(command, exitCode, stdout, stderr);
        };
    return new Runc(
        Path.of("/usr/sbin/runc"), Path.of("/run/impulse/runc"), runner, new ObjectMapper());
  }

  @Test
  void runsEverySubcommandOnImpulsesOwnRoot() {
    Runc runc = runc(0, "", "");
    runc.start("a-1-xxxxx");
    runc.kill("a-1-xxxxx", "TERM");
    runc.delete("a-1-xxxxx", true);
    assertThat(commands)
        .containsExactly(
            List.of("/usr/sbin/runc", "--root=/run/impulse/runc", "start", "a-1-xxxxx"),
            List.of("/usr/sbin/runc", "--root=/run/impulse/runc", "kill", "a-1-xxxxx", "TERM"),
            List.of(
                "/usr/sbin/runc", "--root=/run/impulse/runc", "delete", "--force", "a-1-xxxxx"));
  }

  @Test
  void aContainerThatIsGoneIsNotAnError() {
    Runc runc = runc(1, "", "time=... level=error msg=\"container does not exist\"");
    assertThat(runc.kill("gone", "KILL")).isFalse();
    assertThat(runc.delete("gone", true)).isFalse();
    assertThat(runc.state("gone")).isEmpty();
  }

  @Test
  void aFailureNamesTheSubcommandAndQuotesRunc() {
    Runc runc = runc(1, "", "container not created");
    assertThatThrownBy(() -> runc.start("a-1-xxxxx"))
        .isInstanceOf(CommandFailedException.class)
        .hasMessage("'runc start a-1-xxxxx' failed (exit 1): container not created");
  }

  @Test
  void readsStateAndLabels() {
    Runc runc =
        runc(
            0,
            "{\"id\":\"a-1-xxxxx\",\"pid\":42,\"status\":\"running\",\"bundle\":\"/b\","
                + "\"annotations\":{\"dev.impulse.port\":\"6000\"}}",
            "");
    ContainerState state = runc.state("a-1-xxxxx").orElseThrow();
    assertThat(state.pid()).isEqualTo(42);
    assertThat(state.isAlive()).isTrue();
    assertThat(state.annotations()).containsEntry("dev.impulse.port", "6000");
  }

  @Test
  void anEmptyListIsPrintedAsNull() {
    assertThat(runc(0, "null", "").list()).isEmpty();
  }
}
