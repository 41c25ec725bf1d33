package dev.impulse.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.impulse.daemon.DaemonConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DaemonOptionsTest {
  private static DaemonConfig parse(String... args) {
    DaemonCommand command = new DaemonCommand();
    new CommandLine(command).parseArgs(args);
    return command.options.toConfig();
  }

  @Test
  void embeddedDefaultsMatchTheReadme() {
    DaemonConfig config = parse();
    assertThat(config.listenHost()).isEqualTo("127.0.0.1");
    assertThat(config.listenPort()).isEqualTo(5000);
    assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/impulse"));
    assertThat(config.runDir()).isEqualTo(Path.of("/run/impulse"));
    assertThat(config.baseimageDir()).isEqualTo(Path.of("/var/lib/impulse/baseimages"));
    assertThat(config.portRange().first()).isEqualTo(6000);
    assertThat(config.portRange().last()).isEqualTo(9999);
    assertThat(config.memoryMb()).isEqualTo(256);
    assertThat(config.stopGrace().toMillis()).isEqualTo(5000);
  }

  @Test
  void flagsOverrideDefaults() {
    DaemonConfig config =
        parse(
            "--listen", "0.0.0.0:6500", "--data-dir", "/srv/impulse", "--port-range", "7000-7100");
    assertThat(config.listenHost()).isEqualTo("0.0.0.0");
    assertThat(config.listenPort()).isEqualTo(6500);
    assertThat(config.baseimageDir()).isEqualTo(Path.of("/srv/impulse/baseimages"));
    assertThat(config.portRange().size()).isEqualTo(101);
  }

  @Test
  void badValuesNameTheirOption() {
    assertThatThrownBy(() -> parse("--listen", "5000"))
        .hasMessageContaining("--listen must be HOST:PORT");
    assertThatThrownBy(() -> parse("--port-range", "9-1")).hasMessageContaining("--port-range");
    assertThatThrownBy(() -> parse("--memory-mb", "1"))
        .hasMessageContaining("--memory-mb must be at least 8");
    assertThatThrownBy(() -> parse("--data-dir", "/a:b"))
        .hasMessageContaining("--data-dir must not contain");
    assertThatThrownBy(() -> parse("--cgroup-parent", "../x"))
        .hasMessageContaining("--cgroup-parent");
  }
}
