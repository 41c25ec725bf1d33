package dev.impulse.deployment;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Which chambers a deployment lets go: those of an older spec once one of the current spec runs
 * (each when its last request ends) or once idle for the idle timeout; chambers refused as
 * unreachable once idle; and, above the wanted number, running chambers of the current spec idle
 * for the idle timeout, least recently used first. Marks the older ones retiring. Pure but for that
 * mark; called under the deployment's lock.
 */
final class Retirement {
  private Retirement() {}

  static List<String> letGo(
      Collection<Member> members, int generation, int desired, long nowNanos, long idleNanos) {
    List<Member> current = new ArrayList<>();
    boolean currentRuns = false;
    for (Member m : members) {
      if (m.generation == generation && !m.retiring) {
        current.add(m);
        currentRuns |= m.running();
      }
    }
    List<String> letGo = new ArrayList<>();
    for (Member m : members) {
      boolean older = m.generation != generation;
      if (older && currentRuns) {
        m.retiring = true; // a chamber of the new spec serves: the old ones finish and go
      }
      if ((m.retiring && m.inFlight == 0) || (older && m.idleSince(nowNanos, idleNanos))) {
        letGo.add(m.id);
      }
    }
    // Chambers still starting are not counted: a running one is never let go for one that may
    // yet fail to start.
    int excess = (int) current.stream().filter(Member::running).count() - desired;
    if (excess > 0) {
      current.stream()
          .filter(m -> m.running() && m.idleSince(nowNanos, idleNanos))
          .sorted(Comparator.comparingLong(m -> m.lastUsedNanos))
          .limit(excess)
          .forEach(m -> letGo.add(m.id));
    }
    return letGo;
  }
}
