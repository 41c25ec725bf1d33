package dev.impulse.network;

import java.util.BitSet;
import java.util.function.IntPredicate;

/**
 * Hands out ports of a range so that no two live chambers ever hold the same one. Allocation walks
 * the range from just after the last port handed out, so a released port is reused as late as
 * possible (a client that still knows it is unlikely to reach a new chamber), and skips ports
 * another program on the host holds. Thread-safe.
 */
public final class PortAllocator {
  private final PortRange range;
  private final IntPredicate hostFree;
  private final BitSet taken;
  private int cursor;
  private int inUse;

  /**
   * @param range the ports to hand out
   * @param hostFree tells whether the host has a port free (see {@link HostPorts#isFree})
   */
  public PortAllocator(PortRange range, IntPredicate hostFree) {
    this.range = range;
    this.hostFree = hostFree;
    this.taken = new BitSet(range.size());
  }

  /** The range ports come from. */
  public PortRange range() {
    return range;
  }

  /** Takes a free port; throws {@link PortsExhaustedException} when there is none. */
  public synchronized int allocate() {
    int heldElsewhere = 0;
    for (int step = 0; step < range.size(); step++) {
      int index = (cursor + step) % range.size();
      if (taken.get(index)) {
        continue;
      }
      int port = range.first() + index;
      if (!hostFree.test(port)) {
        heldElsewhere++;
        continue;
      }
      taken.set(index);
      inUse++;
      cursor = (index + 1) % range.size();
      return port;
    }
    throw new PortsExhaustedException(range, inUse, heldElsewhere);
  }

  /**
   * Marks {@code port} as held (a chamber that survived a restart keeps its port). Returns false if
   * it was already held or is outside the range.
   */
  public synchronized boolean reserve(int port) {
    if (!range.contains(port) || taken.get(port - range.first())) {
      return false;
    }
    taken.set(port - range.first());
    inUse++;
    return true;
  }

  /** Gives {@code port} back; releasing a port that is not held does nothing. */
  public synchronized void release(int port) {
    if (range.contains(port) && taken.get(port - range.first())) {
      taken.clear(port - range.first());
      inUse--;
    }
  }

  /** The ports held now, lowest first. */
  public synchronized java.util.List<Integer> held() {
    return taken.stream().mapToObj(index -> range.first() + index).toList();
  }

  /** How many ports are held now. */
  public synchronized int inUse() {
    return inUse;
  }
}
