package dev.impulse.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConmonTest {
  private final Runc runc =
      new Runc(
          Path.of("/usr/sbin/runc"),
          Path.of("/run/impulse/runc"),
          (c, t) -> {
            throw new AssertionError("not run");
          },
          new ObjectMapper());
  private final Conmon conmon =
      new Conmon(
          Path.of("/usr/bin/conmon"),
          runc,
          Path.of("/run/impulse/exits"),
          Path.of("/run/impulse/sockets"),
          1 << 20,
          new ObjectMapper(),
          new dev.impulse.linux.Reaper());

  @Test
  void createsThroughRuncWithSizeCappedK8sLogsAndExitFiles() {
    List<String> argv =
        conmon.command("a-1-xxxxx", new ContainerFiles(Path.of("/data/chambers/a-1-xxxxx")));
    String line = String.join(" ", argv);
    assertThat(argv.getFirst()).isEqualTo("/usr/bin/conmon");
    assertThat(line)
        .contains("--api-version 1")
        .contains("--cid a-1-xxxxx")
        .contains("--runtime /usr/sbin/runc")
        .contains("--bundle /data/chambers/a-1-xxxxx")
        .contains("--log-path k8s-file:/data/chambers/a-1-xxxxx/container.log")
        .contains("--log-size-max 1048576")
        .contains("--exit-dir /run/impulse/exits")
        .contains("--persist-dir /data/chambers/a-1-xxxxx")
        .contains("--runtime-arg --root=/run/impulse/runc")
        .contains("--runtime-arg --log=/data/chambers/a-1-xxxxx/runc.log");
  }

  @Test
  void namesAttachLinksByAShortDigestSoLongIdsFitInASocketPath() {
    String longId = "a".repeat(63) + "-" + "b".repeat(63) + "-xxxxx";
    assertThat(Conmon.attachKey(longId)).hasSize(16).isEqualTo(Conmon.attachKey(longId));
    assertThat(Conmon.attachKey("a-1-xxxxx")).isNotEqualTo(Conmon.attachKey("a-1-xxxxy"));
    assertThat(conmon.attachLink(longId).toString()).hasSizeLessThan(60);
  }
}
