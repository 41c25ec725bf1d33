package dev.impulse.deployment;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * One deployment's live state, and its only owner: the spec and its generation, its chambers
 * ({@link Member}s) with the requests each serves, the queue of requests waiting for one, and the
 * autoscaler's latest decision. Requests take a {@link Lease} ({@link #acquire}); the scaler asks
 * for a {@link Plan} and carries it out. Thread-safe (one lock; nothing under it blocks).
 */
final class Deployment {
  private final String app;
  private final int queueLength;
  private final LongSupplier nanoTime;
  private final long createdMillis;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition drained = lock.newCondition();
  private final Map<String, Member> members = new LinkedHashMap<>();
  private final Deque<CompletableFuture<Lease>> waiters = new ArrayDeque<>();
  private final LoadWindow window = new LoadWindow();
  private volatile DeploymentSpec spec;
  private long updatedMillis;
  private int generation = 1;
  private int creating;
  private final Backoff backoff;

  private ScalingRule.Decision decision;
  private long decisionMillis;
  private boolean deleted;

  /** {@code nanoTime}: the clock the callers' times come from, read for a release, an update. */
  Deployment(
      DeploymentSpec spec,
      int queueLength,
      long createdMillis,
      long updatedMillis,
      LongSupplier nanoTime) {
    this.app = spec.app();
    this.spec = spec;
    this.queueLength = queueLength;
    this.createdMillis = createdMillis;
    this.updatedMillis = updatedMillis;
    this.nanoTime = nanoTime;
    this.backoff = new Backoff(nanoTime.getAsLong());
  }

  String app() {
    return app;
  }

  DeploymentSpec spec() {
    return spec; // volatile: written under the lock, read without it
  }

  // ---- requests ----

  /**
   * A lease on a chamber with room, at once, or a future one when none has room (completed when a
   * chamber frees up or starts). Throws {@link QueueFullException} when {@code queueLength} wait
   * already, {@link UnknownDeploymentException} once deleted. The future is completed under this
   * deployment's lock: continue from it asynchronously.
   */
  CompletableFuture<Lease> acquire(long nowNanos) {
    lock.lock();
    try {
      if (deleted) {
        throw new UnknownDeploymentException(app);
      }
      Member m = pick();
      if (m != null) {
        return CompletableFuture.completedFuture(take(m, nowNanos));
      }
      waiters.removeIf(CompletableFuture::isDone);
      if (waiters.size() >= queueLength) {
        throw new QueueFullException(app, queueLength);
      }
      CompletableFuture<Lease> waiter = new CompletableFuture<>();
      waiters.addLast(waiter);
      return waiter;
    } finally {
      lock.unlock();
    }
  }

  /** A waiter that gave up (timed out): it leaves the queue. */
  void forget(CompletableFuture<Lease> waiter) {
    lock.lock();
    try {
      waiters.remove(waiter);
    } finally {
      lock.unlock();
    }
  }

  void release(Member m, boolean refused) {
    long now = nanoTime.getAsLong();
    lock.lock();
    try {
      m.inFlight--;
      m.lastUsedNanos = now;
      if (refused) {
        m.retiring = true;
      }
      dispatch(now);
      if (inFlight() == 0) {
        drained.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * The chamber to serve the next request: a running one of the current spec with room, the least
   * busy (and of those the most recently used, so the surplus idles out); an older spec's only
   * while no chamber of the current one runs.
   */
  private Member pick() {
    int room = spec.scaling().concurrency();
    boolean currentRuns = false;
    Member current = null;
    Member older = null;
    for (Member m : members.values()) {
      if (!m.running() || m.retiring) {
        continue;
      }
      if (m.generation == generation) {
        currentRuns = true;
        if (m.inFlight < room && better(m, current)) {
          current = m;
        }
      } else if (m.inFlight < room && better(m, older)) {
        older = m;
      }
    }
    return current != null ? current : currentRuns ? null : older;
  }

  private static boolean better(Member m, Member than) {
    return than == null
        || m.inFlight < than.inFlight
        || (m.inFlight == than.inFlight && m.lastUsedNanos > than.lastUsedNanos);
  }

  private Lease take(Member m, long nowNanos) {
    m.inFlight++;
    m.lastUsedNanos = nowNanos;
    return new Lease(this, m);
  }

  /** Hands free chambers to waiting requests, oldest first. */
  private void dispatch(long nowNanos) {
    while (!waiters.isEmpty()) {
      Member m = pick();
      if (m == null) {
        return;
      }
      CompletableFuture<Lease> waiter = waiters.pollFirst();
      Lease lease = take(m, nowNanos);
      if (!waiter.complete(lease)) {
        m.inFlight--; // it gave up meanwhile
      }
    }
  }

  private int inFlight() {
    int sum = 0;
    for (Member m : members.values()) {
      sum += m.inFlight;
    }
    return sum;
  }

  // ---- chambers ----

  /** A chamber made for generation {@code gen} exists; false when the deployment is gone. */
  boolean created(String id, int gen, String version, long nowNanos) {
    lock.lock();
    try {
      creating--;
      if (deleted) {
        return false;
      }
      members.put(id, new Member(id, gen, version, nowNanos));
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** A chamber of an earlier daemon's: adopted, of the current spec or not. */
  void adopt(String id, String version, boolean currentSpec, long nowNanos) {
    lock.lock();
    try {
      members.put(id, new Member(id, currentSpec ? generation : generation - 1, version, nowNanos));
    } finally {
      lock.unlock();
    }
  }

  /** A create failed: the next waits a back-off. */
  void createFailed(long nowNanos) {
    lock.lock();
    try {
      creating--;
      backoff.failed(nowNanos);
    } finally {
      lock.unlock();
    }
  }

  /** Chamber {@code id} is RUNNING and answers at {@code target}. */
  void running(String id, java.net.InetSocketAddress target, long nowNanos) {
    lock.lock();
    try {
      Member m = members.get(id);
      if (m == null || m.running()) {
        return;
      }
      m.target = target;
      m.lastUsedNanos = nowNanos;
      m.runningSinceNanos = nowNanos;
      dispatch(nowNanos);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Chamber {@code id} ended though nobody asked: it leaves the deployment and counts as a failure
   * (the autoscaler replaces it after a back-off). Returns whether it was one of ours.
   */
  boolean ended(String id, long nowNanos) {
    lock.lock();
    try {
      Member m = members.remove(id);
      if (m == null) {
        return false;
      }
      if (m.generation == generation && !m.retiring) {
        backoff.failed(nowNanos);
      }
      if (inFlight() == 0) {
        drained.signalAll();
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  // ---- scaling ----

  /** Samples the load and decides: chambers to start, chambers to destroy (already let go). */
  Plan plan(long nowNanos, long nowMillis) {
    lock.lock();
    try {
      if (deleted) {
        return new Plan(spec, generation, 0, List.of(), Optional.empty(), Optional.empty());
      }
      waiters.removeIf(CompletableFuture::isDone);
      int queued = waiters.size();
      int inFlight = inFlight();
      window.add(nowNanos, inFlight + queued);
      ScalingRule.Decision next =
          ScalingRule.decide(spec.scaling(), window.mean(), inFlight, queued);
      Optional<ScalingRule.Decision> previous = Optional.ofNullable(decision);
      boolean changed = decision == null || decision.desired() != next.desired();
      if (changed) {
        decisionMillis = nowMillis;
      }
      decision = next;

      int current = 0;
      for (Member m : members.values()) {
        if (m.generation == generation && !m.retiring) {
          current++;
        }
      }
      int toStart = 0;
      int have = current + creating;
      for (Member m : members.values()) {
        if (m.generation == generation && m.running() && m.ranFor(nowNanos, Backoff.STABLE_NANOS)) {
          backoff.reset(nowNanos); // a chamber that stays up ends the back-off, not one that runs
        }
      }
      if (next.desired() > have && backoff.allows(nowNanos)) {
        toStart = next.desired() - have;
        creating += toStart;
      }
      List<String> toDestroy =
          Retirement.letGo(
              members.values(),
              generation,
              next.desired(),
              nowNanos,
              TimeUnit.MILLISECONDS.toNanos(spec.scaling().idleTimeoutMs()));
      toDestroy.forEach(members::remove);
      return new Plan(
          spec,
          generation,
          toStart,
          toDestroy,
          changed ? Optional.of(next) : Optional.empty(),
          previous);
    } finally {
      lock.unlock();
    }
  }

  // ---- changes ----

  /** Takes a new spec; a change of what its chambers run starts a new generation. */
  void update(DeploymentSpec next, long nowMillis) {
    lock.lock();
    try {
      if (spec.rollsOver(next)) {
        generation++;
        backoff.reset(nanoTime.getAsLong()); // the old spec's failures say nothing of the new one
      }
      spec = next;
      updatedMillis = nowMillis;
      dispatch(nanoTime.getAsLong()); // a higher concurrency may free room at once
    } finally {
      lock.unlock();
    }
  }

  /** Stops taking requests: waiting ones fail, in-flight ones go on. */
  void delete() {
    lock.lock();
    try {
      deleted = true;
      for (CompletableFuture<Lease> waiter : waiters) {
        waiter.completeExceptionally(new UnknownDeploymentException(app));
      }
      waiters.clear();
    } finally {
      lock.unlock();
    }
  }

  /** Waits until no request is in flight, at most {@code nanos}. */
  void awaitDrained(long nanos) throws InterruptedException {
    lock.lock();
    try {
      while (inFlight() > 0 && nanos > 0) {
        nanos = drained.awaitNanos(nanos);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Lets go of every chamber; returns their ids (to destroy). */
  List<String> removeAll() {
    lock.lock();
    try {
      List<String> ids = new ArrayList<>(members.keySet());
      members.clear();
      return ids;
    } finally {
      lock.unlock();
    }
  }

  DeploymentState state() {
    lock.lock();
    try {
      Map<String, Object> chamberFields = new LinkedHashMap<>(spec.chamber().asGiven());
      chamberFields.remove("app");
      waiters.removeIf(CompletableFuture::isDone);
      return new DeploymentState(
          app,
          chamberFields,
          spec.scaling().asGiven(),
          List.copyOf(members.keySet()),
          inFlight(),
          waiters.size(),
          Optional.ofNullable(decision)
              .map(d -> new DeploymentState.LastDecision(d.desired(), d.reason(), decisionMillis)),
          createdMillis,
          updatedMillis);
    } finally {
      lock.unlock();
    }
  }
}
