package dev.impulse.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.impulse.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageConfigTest {
  private static ImageConfig parse(String json) {
    return ImageConfig.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void everyFieldImpulseReadsIsRead() {
    ImageConfig config =
        parse(
            """
            {"architecture":"amd64","os":"linux","created":"2024-01-01T00:00:00Z",
             "config":{"Env":["PATH=/usr/bin","A=b=c"],"Entrypoint":["/bin/sh","-c"],
                       "Cmd":["echo hi"],"WorkingDir":"/app","User":"1000:1000",
                       "Labels":{"org.opencontainers.image.title":"app"},"ExposedPorts":{"80/tcp":{}}},
             "rootfs":{"type":"layers","diff_ids":["sha256:%s","sha256:%s"]},
             "history":[{"created_by":"x"}]}
            """
                .formatted("a".repeat(64), "b".repeat(64)));
    assertThat(config.os()).isEqualTo("linux");
    assertThat(config.architecture()).isEqualTo("amd64");
    assertThat(config.env()).containsExactly("PATH=/usr/bin", "A=b=c");
    assertThat(config.entrypoint()).containsExactly("/bin/sh", "-c");
    assertThat(config.cmd()).containsExactly("echo hi");
    assertThat(config.workingDir()).isEqualTo("/app");
    assertThat(config.user()).isEqualTo("1000:1000");
    assertThat(config.labels()).isEqualTo(Map.of("org.opencontainers.image.title", "app"));
    assertThat(config.diffIds())
        .containsExactly(new Digest("a".repeat(64)), new Digest("b".repeat(64)));
  }

  @Test
  void absentAndNullFieldsAreEmpty() {
    ImageConfig config = parse("{\"config\":{\"Env\":null,\"Labels\":null},\"rootfs\":null}");
    assertThat(config.os()).isEmpty();
    assertThat(config.env()).isEmpty();
    assertThat(config.entrypoint()).isEmpty();
    assertThat(config.cmd()).isEmpty();
    assertThat(config.workingDir()).isEmpty();
    assertThat(config.labels()).isEmpty();
    assertThat(config.diffIds()).isEqualTo(List.of());
    assertThat(parse("{}").user()).isEmpty();
  }

  @Test
  void fieldsOfTheWrongTypeAreRefusedByName() {
    assertThatThrownBy(() -> parse("{\"config\":{\"Env\":\"PATH=/\"}}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("config.Env is not a list");
    assertThatThrownBy(() -> parse("{\"config\":{\"Cmd\":[\"a\",1]}}"))
        .hasMessageContaining("config.Cmd[1] is not a string");
    assertThatThrownBy(() -> parse("{\"config\":{\"Labels\":{\"a\":1}}}"))
        .hasMessageContaining("config.Labels.a is not a string");
    assertThatThrownBy(() -> parse("{\"config\":[]}"))
        .hasMessageContaining("config is not an object");
    assertThatThrownBy(() -> parse("{\"os\":1}")).hasMessageContaining("os is not a string");
    assertThatThrownBy(() -> parse("{\"rootfs\":{\"diff_ids\":[\"md5:x\"]}}"))
        .hasMessageContaining("rootfs.diff_ids[0] is invalid");
  }

  @Test
  void invalidJsonIsRefused() {
    assertThatThrownBy(() -> parse("{\"os\":")).hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> parse("\"linux\"")).hasMessageContaining("not a JSON object");
  }
}
