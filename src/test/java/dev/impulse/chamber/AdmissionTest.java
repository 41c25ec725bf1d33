package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdmissionTest {
  private static final long MIB = 1 << 20;

  private final Admission admission =
      new Admission(
          new ChamberSettings(
              InetAddress.getLoopbackAddress(),
              256 * MIB,
              512,
              1,
              256 * MIB,
              1024 * MIB,
              2,
              4096,
              2048 * MIB,
              Duration.ofSeconds(30),
              Duration.ofSeconds(5),
              "impulse-test",
              "/data",
              Duration.ofSeconds(5),
              3,
              Duration.ofSeconds(1),
              Duration.ofSeconds(60),
              1000,
              10,
              0));

  private static ChamberSpec spec(String field, Object value) {
    return ChamberSpec.fromGiven(
        Map.of("app", "app", "version", "1", "runtime", "python3", field, value));
  }

  @Test
  void aDiskUpToTheNodesMaximumIsAdmitted() {
    admission.check(spec("diskMb", 2048));
    admission.check(ChamberSpec.of("app", "1", "python3"));
  }

  @Test
  void aDiskOverTheNodesMaximumIsRefusedNamingTheFieldAndTheFlag() {
    OverLimitException refused =
        catchThrowableOfType(OverLimitException.class, () -> admission.check(spec("diskMb", 2049)));
    assertThat(refused.field()).isEqualTo("diskMb");
    assertThat(refused.limit()).isEqualTo("2048 MiB");
    assertThat(refused.getMessage())
        .isEqualTo(
            "field 'diskMb' asks for 2049 MiB, over this node's limit of 2048 MiB per chamber"
                + " (--max-disk-mb); ask for less, or run the daemon with a higher --max-disk-mb");
  }

  @Test
  void memoryIsStillRefusedOverItsOwnMaximum() {
    assertThat(
            catchThrowableOfType(
                    OverLimitException.class, () -> admission.check(spec("memoryMb", 1025)))
                .field())
        .isEqualTo("memoryMb");
  }
}
