package dev.impulse.deployment;

import java.net.InetSocketAddress;

/**
 * One chamber of a deployment, as its router sees it. Mutable; guarded by its {@link Deployment}'s
 * lock.
 */
final class Member {
  final String id;
  final int generation;
  final String version;

  /** Where its wrapper answers; set once it is RUNNING. */
  InetSocketAddress target;

  /** Takes no new requests: an older spec's, or one whose connection was refused. */
  boolean retiring;

  int inFlight;
  long lastUsedNanos;
  long runningSinceNanos;

  Member(String id, int generation, String version, long nowNanos) {
    this.id = id;
    this.generation = generation;
    this.version = version;
    this.lastUsedNanos = nowNanos;
  }

  boolean running() {
    return target != null;
  }

  boolean ranFor(long nowNanos, long nanos) {
    return running() && nowNanos - runningSinceNanos >= nanos;
  }

  boolean idleSince(long nowNanos, long idleNanos) {
    return inFlight == 0 && nowNanos - lastUsedNanos >= idleNanos;
  }
}
