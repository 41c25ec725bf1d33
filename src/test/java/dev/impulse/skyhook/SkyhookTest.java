package dev.impulse.skyhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wrapper's settings, its termination message and its start-up times. */
class SkyhookTest {
  @TempDir Path tmp;

  @Test
  void settingsHaveSkyhookPysDefaults() throws Exception {
    Settings settings = Settings.from(Map.of("SKYHOOK_PORT", "6001"));
    assertThat(settings.port()).isEqualTo(6001);
    assertThat(settings.host()).isEqualTo("127.0.0.1");
    assertThat(settings.guestDir()).isEqualTo("/opt/guest");
    assertThat(settings.terminationLog()).isEqualTo("/dev/termination-log");
    assertThat(settings.maxBody()).isEqualTo(16 * 1024 * 1024);
    assertThat(settings.control()).isEmpty();
    assertThat(settings.identity())
        .containsExactly(
            Map.entry("chamber_id", ""), Map.entry("app", ""), Map.entry("version", ""));
  }

  @Test
  void aMissingOrBadPortIsAUsageError() {
    assertThatThrownBy(() -> Settings.from(Map.of()))
        .isInstanceOf(Settings.UsageError.class)
        .hasMessage("SKYHOOK_PORT is not set");
    assertThatThrownBy(() -> Settings.from(Map.of("SKYHOOK_PORT", "70000")))
        .hasMessage("SKYHOOK_PORT is 70000, not a number from 0 to 65535");
    assertThatThrownBy(
            () -> Settings.from(Map.of("SKYHOOK_PORT", "1", "SKYHOOK_MAX_BODY_BYTES", "lots")))
        .hasMessageStartingWith("SKYHOOK_MAX_BODY_BYTES is lots, not a number from 0 to ");
  }

  @Test
  void aStemCellTakesOnTheIdentityItIsGiven() throws Exception {
    Settings cell =
        Settings.from(Map.of("SKYHOOK_PORT", "6001", "SKYHOOK_CONTROL", "/run/skyhook/control"));
    assertThat(cell.control()).contains("/run/skyhook/control");
    Settings chamber =
        cell.specialisedAs(Map.of("chamber_id", "c-1", "app", "demo", "version", "2"));
    assertThat(chamber.control()).isEmpty();
    assertThat(chamber.identity())
        .containsExactly(
            Map.entry("chamber_id", "c-1"), Map.entry("app", "demo"), Map.entry("version", "2"));
  }

  @Test
  void theTerminationMessageIsCutAt4096CharactersNeverInsideACharacter() throws Exception {
    Path log = tmp.resolve("termination-log");
    Skyhook.writeTerminationLog(log.toString(), "x".repeat(4095) + "😀" + "tail");
    assertThat(Files.readString(log)).isEqualTo("x".repeat(4095));
    Skyhook.writeTerminationLog(log.toString(), "guest import failed: short");
    assertThat(Files.readString(log)).isEqualTo("guest import failed: short");
  }

  @Test
  void theProcessStartedBeforeItsMainRan() {
    double now = Timings.now();
    double started = Timings.processStart(now);
    assertThat(started).isLessThanOrEqualTo(now).isGreaterThan(now - 24 * 3600);
    Timings timings = new Timings();
    timings.mark("started", started);
    timings.mark("listening");
    assertThat(timings.snapshot().keySet()).containsExactly("started", "listening");
  }
}
