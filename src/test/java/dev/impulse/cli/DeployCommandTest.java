package dev.impulse.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.client.DeploymentRequest;
import dev.impulse.image.InvalidNameException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code impulse deploy}'s arguments, as the body of {@code PUT /deployments/{app}}. */
class DeployCommandTest {
  private static DeployCommand parse(String... args) {
    DeployCommand command = new DeployCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }

  private static String json(DeploymentRequest request) throws Exception {
    return new ObjectMapper().writeValueAsString(request.body());
  }

  @Test
  void theRequiredOptionsAloneMakeAMinimalBody() throws Exception {
    DeployCommand command =
        parse("fn", "--app", "shop", "--version", "1.0.0", "--runtime", "python3.11");
    assertThat(command.dir).isEqualTo(Path.of("fn"));
    assertThat(json(command.request()))
        .isEqualTo("{\"version\":\"1.0.0\",\"runtime\":\"python3.11\"}");
    assertThat(command.maxFunctionBytes).isEqualTo(64L << 20);
  }

  @Test
  void everySettingGivenIsInTheBodyUnderItsJsonName() throws Exception {
    DeployCommand command =
        parse(
            "fn",
            "--app=shop",
            "--version=2",
            "--runtime=python3",
            "--env",
            "B=2",
            "--env",
            "A=x=y",
            "--memory-mb",
            "128",
            "--cpus",
            "0.5",
            "--pids",
            "64",
            "--disk-mb",
            "32",
            "--startup-timeout-ms",
            "5000",
            "--concurrency",
            "4",
            "--min-chambers",
            "1",
            "--max-chambers",
            "3",
            "--idle-timeout-ms",
            "60000");
    assertThat(json(command.request()))
        .isEqualTo(
            "{\"version\":\"2\",\"runtime\":\"python3\",\"env\":{\"A\":\"x=y\",\"B\":\"2\"},"
                + "\"memoryMb\":128,\"cpus\":0.5,\"pids\":64,\"diskMb\":32,"
                + "\"startupTimeoutMs\":5000,\"concurrency\":4,\"minChambers\":1,"
                + "\"maxChambers\":3,\"idleTimeoutMs\":60000}");
  }

  @Test
  void aMinimumAboveTheMaximumIsRefusedNamingBoth() {
    DeployCommand command =
        parse(
            "fn",
            "--app=a",
            "--version=1",
            "--runtime=python3",
            "--min-chambers=3",
            "--max-chambers=2");
    assertThatThrownBy(command::request)
        .hasMessage("--min-chambers (3) is more than --max-chambers (2)");
  }

  @Test
  void negativeNumbersBadNamesAndBadEnvNamesAreRefusedNamingTheOption() {
    assertThatThrownBy(
            () -> parse("fn", "--app=a", "--version=1", "--runtime=p", "--cpus=-1").request())
        .hasMessage("--cpus must not be negative, not -1.0");
    assertThatThrownBy(() -> parse("fn", "--app=A/b", "--version=1", "--runtime=p").request())
        .isInstanceOf(InvalidNameException.class)
        .hasMessageStartingWith("--app 'A/b' is not a valid name");
    assertThatThrownBy(
            () -> parse("fn", "--app=a", "--version=1", "--runtime=p", "--env=1X=2").request())
        .hasMessageStartingWith("--env 1X: a name is letters, digits and '_'");
  }

  @Test
  void missingOptionsAndAnEnvWithoutValueAreUsageErrors() {
    StringWriter err = new StringWriter();
    CommandLine line = Main.commandLine().setErr(new PrintWriter(err));
    assertThat(line.execute("deploy", "fn", "--app", "a", "--runtime", "python3")).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required option: '--version=VERSION'");
    err.getBuffer().setLength(0);
    assertThat(
            line.execute(
                "deploy", "fn", "--app", "a", "--version", "1", "--runtime", "p", "--env", "X"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("KEY=VALUE");
  }
}
