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
    assertThat(config.listen().host()).isEqualTo("127.0.0.1");
    assertThat(config.listen().port()).isEqualTo(5000);
    assertThat(config.auth()).isEqualTo(DaemonConfig.Auth.TOKEN);
    assertThat(config.tokenFile()).isEqualTo(Path.of("/var/lib/impulse/api-token"));
    assertThat(config.cpus()).isEqualTo(1.0);
    assertThat(config.maxCpus()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(config.maxMemoryMb()).isGreaterThanOrEqualTo(config.memoryMb());
    assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/impulse"));
    assertThat(config.runDir()).isEqualTo(Path.of("/run/impulse"));
    assertThat(config.baseimageDir()).isEqualTo(Path.of("/var/lib/impulse/baseimages"));
    assertThat(config.portRange().first()).isEqualTo(6000);
    assertThat(config.portRange().last()).isEqualTo(9999);
    assertThat(config.memoryMb()).isEqualTo(256);
    assertThat(config.diskMb()).isEqualTo(256);
    assertThat(config.maxDiskMb()).isEqualTo(2048);
    assertThat(config.stopGrace().toMillis()).isEqualTo(5000);
  }

  @Test
  void registryFlagsDefaultToAnonymousHttpsWithoutACapAndAreValidated() {
    assertThat(parse().registry()).isEqualTo(dev.impulse.daemon.RegistryConfig.defaults());
    DaemonConfig config =
        parse(
            "--insecure-registry",
            "registry.lan:5000,10.0.0.7",
            "--registry-auth-file",
            "/etc/impulse/auth.json",
            "--image-store-max-mb",
            "2048");
    assertThat(config.registry().insecureRegistries())
        .containsExactly("registry.lan:5000", "10.0.0.7");
    assertThat(config.registry().authFile()).contains(Path.of("/etc/impulse/auth.json"));
    assertThat(config.registry().imageStoreMaxMb()).isEqualTo(2048);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> parse("--insecure-registry", "http://registry.lan/"))
        .hasMessageContaining("--insecure-registry takes HOST or HOST:PORT");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse("--image-store-max-mb", "-1"))
        .hasMessageContaining("--image-store-max-mb");
  }

  @Test
  void flagsOverrideDefaults() {
    DaemonConfig config =
        parse(
            "--listen", "0.0.0.0:6500", "--data-dir", "/srv/impulse", "--port-range", "7000-7100");
    assertThat(config.listen().host()).isEqualTo("0.0.0.0");
    assertThat(config.listen().port()).isEqualTo(6500);
    assertThat(config.baseimageDir()).isEqualTo(Path.of("/srv/impulse/baseimages"));
    assertThat(config.portRange().size()).isEqualTo(101);
  }

  @Test
  void theApiCanListenOnAUnixSocketWithoutAuthentication() {
    DaemonConfig config =
        parse("--listen", "unix:/run/impulse/api.sock", "--auth", "none", "--allowed-host", "a,b");
    assertThat(config.listen().unixSocket()).contains(Path.of("/run/impulse/api.sock"));
    assertThat(config.auth()).isEqualTo(DaemonConfig.Auth.NONE);
    assertThat(config.allowedHosts()).containsExactly("a", "b");
  }

  @Test
  void nodeLimitsMayBeSetButNotBelowTheDefaults() {
    DaemonConfig config =
        parse("--max-memory-mb", "4096", "--max-cpus", "1.5", "--max-pids", "999");
    assertThat(config.maxMemoryMb()).isEqualTo(4096);
    assertThat(config.maxCpus()).isEqualTo(1.5);
    assertThat(config.maxPids()).isEqualTo(999);
    assertThatThrownBy(() -> parse("--max-memory-mb", "100"))
        .hasMessageContaining("--max-memory-mb must be at least 256");
    assertThatThrownBy(() -> parse("--cpus", "2", "--max-cpus", "1"))
        .hasMessageContaining("--max-cpus must be at least --cpus");
  }

  @Test
  void aChambersDiskHasADefaultAndAMaximumNotBelowIt() {
    DaemonConfig config = parse("--disk-mb", "64", "--max-disk-mb", "512");
    assertThat(config.diskMb()).isEqualTo(64);
    assertThat(config.maxDiskMb()).isEqualTo(512);
    assertThat(parse("--disk-mb", "4096").maxDiskMb())
        .as("the maximum is raised to a larger default")
        .isEqualTo(4096);
    assertThatThrownBy(() -> parse("--max-disk-mb", "100"))
        .hasMessageContaining("--max-disk-mb must be at least 256, not 100");
    assertThatThrownBy(() -> parse("--disk-mb", "8"))
        .hasMessageContaining("--disk-mb must be at least 16, not 8");
    assertThatThrownBy(() -> parse("--max-disk-mb", "lots"))
        .hasMessageContaining("--max-disk-mb must be a whole number, not 'lots'");
  }

  @Test
  void badValuesNameTheirOption() {
    assertThatThrownBy(() -> parse("--listen", "5000"))
        .hasMessageContaining("--listen must be HOST:PORT");
    assertThatThrownBy(() -> parse("--listen", "unix:relative"))
        .hasMessageContaining("absolute path");
    assertThatThrownBy(() -> parse("--auth", "maybe")).hasMessageContaining("--auth must be");
    assertThatThrownBy(() -> parse("--port-range", "9-1")).hasMessageContaining("--port-range");
    assertThatThrownBy(() -> parse("--memory-mb", "1"))
        .hasMessageContaining("--memory-mb must be at least 16");
    assertThatThrownBy(() -> parse("--data-dir", "/a:b"))
        .hasMessageContaining("--data-dir must not contain");
    assertThatThrownBy(() -> parse("--cgroup-parent", "../x"))
        .hasMessageContaining("--cgroup-parent");
  }
}
