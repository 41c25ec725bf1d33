package dev.impulse.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MachineLimitsTest {
  @Test
  void theProcessLimitIsAQuarterOfTheKernelsPidMaxAtMost32768() throws IOException {
    long pidMax;
    try (InputStream in = Files.newInputStream(Path.of("/proc/sys/kernel/pid_max"))) {
      pidMax = Long.parseLong(new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip());
    }
    assertThat(MachineLimits.read().pids()).isEqualTo(Math.min(32768, pidMax / 4));
  }
}
