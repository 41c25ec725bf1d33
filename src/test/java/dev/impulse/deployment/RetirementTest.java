package dev.impulse.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetirementTest {
  private static final long IDLE = 60_000_000_000L;
  private static final long NOW = 1_000_000_000_000L;

  private static Member running(String id, int generation, long lastUsed, int inFlight) {
    Member m = starting(id, generation, lastUsed);
    m.target = new InetSocketAddress("127.0.0.1", 6000);
    m.inFlight = inFlight;
    return m;
  }

  private static Member starting(String id, int generation, long since) {
    return new Member(id, generation, "v" + generation, since);
  }

  private static List<String> letGo(int desired, Member... members) {
    return Retirement.letGo(List.of(members), 2, desired, NOW, IDLE);
  }

  @Test
  void olderChambersRetireOnceACurrentOneRunsAndGoWhenIdleOfRequests() {
    Member busyOld = running("old-busy", 1, NOW, 1);
    Member idleOld = running("old-idle", 1, NOW, 0);
    Member current = running("new", 2, NOW, 0);

    assertThat(letGo(1, busyOld, idleOld, current)).containsExactly("old-idle");
    assertThat(busyOld.retiring).isTrue();
    assertThat(current.retiring).isFalse();

    busyOld.inFlight = 0;
    assertThat(letGo(1, busyOld, current)).containsExactly("old-busy");
  }

  @Test
  void olderChambersStayWhileNoCurrentOneRuns() {
    Member old = running("old", 1, NOW - 1, 0);
    Member current = starting("new", 2, NOW);

    assertThat(letGo(1, old, current)).isEmpty();
    assertThat(old.retiring).isFalse();
  }

  @Test
  void anOlderChamberIdleForTheTimeoutGoesEvenBeforeACurrentOneRuns() {
    Member old = running("old", 1, NOW - IDLE, 0);
    assertThat(letGo(0, old, starting("new", 2, NOW))).containsExactly("old");
  }

  @Test
  void anOlderChamberStillStartingGoesOnceACurrentOneRuns() {
    Member old = starting("old", 1, NOW);
    assertThat(letGo(1, old, running("new", 2, NOW, 0))).containsExactly("old");
  }

  @Test
  void aRefusedChamberGoesOnceIdleOfRequests() {
    Member refused = running("refused", 2, NOW, 1);
    refused.retiring = true;
    Member other = running("other", 2, NOW, 0);

    assertThat(letGo(2, refused, other)).isEmpty();

    refused.inFlight = 0;
    assertThat(letGo(2, refused, other)).containsExactly("refused");
  }

  @Test
  void surplusIdleChambersGoLeastRecentlyUsedFirst() {
    Member a = running("a", 2, NOW - IDLE - 5, 0);
    Member b = running("b", 2, NOW - IDLE - 1, 0);
    Member c = running("c", 2, NOW - IDLE - 9, 0);
    Member d = running("d", 2, NOW - IDLE - 3, 0);

    assertThat(letGo(2, a, b, c, d)).containsExactly("c", "a");
  }

  @Test
  void idleChambersNeverGoBelowTheDesiredNumber() {
    Member a = running("a", 2, NOW - IDLE, 0);
    Member b = running("b", 2, NOW - IDLE, 0);

    assertThat(letGo(2, a, b)).isEmpty();
    assertThat(letGo(5, a, b)).isEmpty();
    assertThat(letGo(1, a, b)).hasSize(1);
    assertThat(letGo(0, a, b)).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void surplusChambersIdleShorterThanTheTimeoutStay() {
    Member a = running("a", 2, NOW - IDLE + 1, 0);
    assertThat(letGo(0, a)).isEmpty();
    a.lastUsedNanos = NOW - IDLE;
    assertThat(letGo(0, a)).containsExactly("a");
  }

  @Test
  void busySurplusChambersNeverGo() {
    Member busy = running("busy", 2, NOW - 10 * IDLE, 1);
    Member idle = running("idle", 2, NOW - IDLE, 0);

    assertThat(letGo(0, busy, idle)).containsExactly("idle");
  }

  @Test
  void startingSurplusChambersAreNotLetGo() {
    Member startingLong = starting("starting", 2, NOW - 10 * IDLE);
    assertThat(letGo(0, startingLong)).isEmpty();
  }
}
