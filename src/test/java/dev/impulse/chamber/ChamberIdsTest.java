package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ChamberIdsTest {
  private final ChamberSpec spec = ChamberSpec.of("sampleapp", "1.0.0", "python3.9");

  @Test
  void idsAreAppVersionAndFiveLowercaseLetters() {
    assertThat(new ChamberIds().next(spec, id -> false)).matches("sampleapp-1\\.0\\.0-[a-z]{5}");
  }

  @Test
  void anIdAlreadyTakenIsNeverReturned() {
    SplittableRandom seeded = new SplittableRandom(42);
    String first = new ChamberIds(new SplittableRandom(42)).next(spec, id -> false);
    String second = new ChamberIds(seeded).next(spec, first::equals);
    assertThat(second).isNotEqualTo(first);
  }

  @Test
  void idsDoNotRepeat() {
    ChamberIds ids = new ChamberIds();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      assertThat(seen.add(ids.next(spec, seen::contains))).isTrue();
    }
  }

  @Test
  void longIdsGetAHostnameThatKeepsTheirUniqueEnd() {
    String id = "a".repeat(63) + "-" + "1".repeat(63) + "-abcde";
    assertThat(ContainerConfigs.hostname(id)).hasSizeLessThanOrEqualTo(63).endsWith("-abcde");
    assertThat(ContainerConfigs.hostname("short-1-abcde")).isEqualTo("short-1-abcde");
  }
}
