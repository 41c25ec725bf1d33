package dev.impulse.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.impulse.chamber.ChamberSpec;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** A deployment driven by hand: explicit times, chambers that "run" when the test says so. */
class DeploymentTest {
  private static final long SECOND = 1_000_000_000L;

  private long now = 7 * SECOND;
  private int nextPort = 6000;

  private static DeploymentSpec spec(String version, Scaling scaling) {
    return new DeploymentSpec("shop", ChamberSpec.of("shop", version, "python3"), scaling);
  }

  private static Scaling scaling(int concurrency, int minChambers) {
    return new Scaling(concurrency, minChambers, 10, 1000);
  }

  private Deployment deployment(int concurrency, int queueLength) {
    return deployment(spec("1", scaling(concurrency, 0)), queueLength);
  }

  private Deployment deployment(DeploymentSpec spec, int queueLength) {
    return new Deployment(spec, queueLength, 0, 0, () -> now);
  }

  /** Chamber {@code id} of the current spec is there and runs; returns where it answers. */
  private InetSocketAddress run(Deployment d, String id) {
    d.adopt(id, d.spec().chamber().version(), true, now);
    InetSocketAddress target = new InetSocketAddress("127.0.0.1", nextPort++);
    d.running(id, target, now);
    return target;
  }

  private static Lease leased(CompletableFuture<Lease> f) {
    assertThat(f).isCompleted();
    return f.join();
  }

  // ---- leases ----

  @Test
  void aLeaseIsGivenAtOnceWhenARunningChamberHasRoom() {
    Deployment d = deployment(1, 10);
    InetSocketAddress target = run(d, "c1");

    Lease lease = leased(d.acquire(now));

    assertThat(lease.app()).isEqualTo("shop");
    assertThat(lease.chamber()).isEqualTo("c1");
    assertThat(lease.version()).isEqualTo("1");
    assertThat(lease.target()).isEqualTo(target);
    assertThat(d.state().inFlight()).isEqualTo(1);
  }

  @Test
  void aChamberTakesAtMostConcurrencyRequests() {
    Deployment d = deployment(2, 10);
    run(d, "c1");

    assertThat(leased(d.acquire(now)).chamber()).isEqualTo("c1");
    assertThat(leased(d.acquire(now)).chamber()).isEqualTo("c1");
    CompletableFuture<Lease> third = d.acquire(now);

    assertThat(third).isNotDone();
    assertThat(d.state().inFlight()).isEqualTo(2);
    assertThat(d.state().queued()).isEqualTo(1);
  }

  @Test
  void aChamberStillStartingTakesNoRequests() {
    Deployment d = deployment(1, 10);
    d.adopt("c1", "1", true, now);

    CompletableFuture<Lease> waiter = d.acquire(now);
    assertThat(waiter).isNotDone();

    d.running("c1", new InetSocketAddress("127.0.0.1", 6001), now);
    assertThat(leased(waiter).chamber()).isEqualTo("c1");
  }

  @Test
  void waitersAreServedFirstInFirstOutWhenAChamberFreesUp() {
    Deployment d = deployment(1, 10);
    run(d, "c1");
    Lease first = leased(d.acquire(now));
    CompletableFuture<Lease> second = d.acquire(now);
    CompletableFuture<Lease> third = d.acquire(now);

    first.release();
    assertThat(second).isCompleted();
    assertThat(third).isNotDone();

    second.join().release();
    assertThat(leased(third).chamber()).isEqualTo("c1");
  }

  @Test
  void waitersAreServedWhenAChamberStarts() {
    Deployment d = deployment(2, 10);
    CompletableFuture<Lease> a = d.acquire(now);
    CompletableFuture<Lease> b = d.acquire(now);
    CompletableFuture<Lease> c = d.acquire(now);

    run(d, "c1");

    assertThat(leased(a).chamber()).isEqualTo("c1");
    assertThat(leased(b).chamber()).isEqualTo("c1");
    assertThat(c).isNotDone();
    run(d, "c2");
    assertThat(leased(c).chamber()).isEqualTo("c2");
  }

  @Test
  void aFullQueueRefusesTheNextRequest() {
    Deployment d = deployment(1, 2);
    d.acquire(now);
    d.acquire(now);

    assertThatThrownBy(() -> d.acquire(now))
        .isInstanceOf(QueueFullException.class)
        .hasMessageStartingWith("deployment 'shop' has 2 requests waiting already");
    assertThat(d.state().queued()).isEqualTo(2);
  }

  @Test
  void aWaiterThatTimedOutIsSkipped() {
    Deployment d = deployment(1, 10);
    run(d, "c1");
    Lease held = leased(d.acquire(now));
    CompletableFuture<Lease> gaveUp = d.acquire(now);
    CompletableFuture<Lease> patient = d.acquire(now);

    gaveUp.completeExceptionally(new TimeoutException());
    held.release();

    assertThat(leased(patient).chamber()).isEqualTo("c1");
    assertThat(d.state().inFlight()).isEqualTo(1);
    patient.join().release();
    assertThat(d.state().inFlight()).isZero();
  }

  @Test
  void aWaiterThatGaveUpFreesItsPlaceInTheQueue() {
    Deployment d = deployment(1, 2);
    CompletableFuture<Lease> timedOut = d.acquire(now);
    CompletableFuture<Lease> forgotten = d.acquire(now);
    assertThatThrownBy(() -> d.acquire(now)).isInstanceOf(QueueFullException.class);

    timedOut.completeExceptionally(new TimeoutException());
    CompletableFuture<Lease> next = d.acquire(now);
    d.forget(forgotten);
    CompletableFuture<Lease> last = d.acquire(now);

    assertThat(d.state().queued()).isEqualTo(2);
    run(d, "c1");
    assertThat(leased(next).chamber()).isEqualTo("c1");
    assertThat(forgotten).isNotDone();
    assertThat(last).isNotDone();
  }

  @Test
  void ofIdleChambersTheMostRecentlyUsedIsPicked() {
    Deployment d = deployment(3, 10);
    run(d, "a");
    now += SECOND;
    run(d, "b");
    now += SECOND;

    assertThat(leased(d.acquire(now)).chamber()).isEqualTo("b");
  }

  @Test
  void theLeastBusyChamberIsPickedBeforeTheMostRecentlyUsed() {
    Deployment d = deployment(3, 10);
    run(d, "a");
    now += SECOND;
    run(d, "b");
    now += SECOND;
    Lease first = leased(d.acquire(now));
    now += SECOND;

    Lease second = leased(d.acquire(now));

    assertThat(first.chamber()).isEqualTo("b");
    assertThat(second.chamber()).isEqualTo("a");
  }

  @Test
  void aReleaseMakesAChamberTheMostRecentlyUsed() {
    Deployment d = deployment(1, 10);
    run(d, "a");
    now += SECOND;
    run(d, "b");
    now += SECOND;
    Lease onB = leased(d.acquire(now));
    Lease onA = leased(d.acquire(now));
    assertThat(onB.chamber()).isEqualTo("b");
    assertThat(onA.chamber()).isEqualTo("a");

    now += SECOND;
    onB.release();
    now += SECOND;
    onA.release();

    assertThat(leased(d.acquire(now)).chamber()).isEqualTo("a");
  }

  @Test
  void aDoubleReleaseCountsOnce() {
    Deployment d = deployment(1, 10);
    run(d, "c1");
    Lease lease = leased(d.acquire(now));
    CompletableFuture<Lease> waiter = d.acquire(now);

    lease.release();
    lease.release();
    lease.failed();

    assertThat(leased(waiter).chamber()).isEqualTo("c1");
    assertThat(d.state().inFlight()).isEqualTo(1);
    CompletableFuture<Lease> third = d.acquire(now);
    assertThat(third).as("c1 is full, and counted so").isNotDone();
    waiter.join().release();
    assertThat(leased(third).chamber()).as("c1 was not refused").isEqualTo("c1");
    third.join().release();
    assertThat(d.state().inFlight()).isZero();
    assertThat(d.state().queued()).isZero();
  }

  @Test
  void aRefusedChamberTakesNoMoreRequestsAndIsReplacedOnceIdle() {
    Deployment d = deployment(spec("1", scaling(2, 1)), 10);
    run(d, "c1");
    Lease refused = leased(d.acquire(now));
    Lease stillRunning = leased(d.acquire(now));

    refused.failed();
    refused.release();

    assertThat(d.acquire(now)).isNotDone();
    Plan p = d.plan(now, 0);
    assertThat(p.toStart()).as("a replacement").isEqualTo(1);
    assertThat(p.toDestroy()).as("a request still runs on it").isEmpty();

    stillRunning.release();
    assertThat(d.plan(now, 0).toDestroy()).containsExactly("c1");
    assertThat(d.state().chambers()).isEmpty();
    assertThat(d.ended("c1", now)).as("no longer ours").isFalse();
  }

  // ---- roll-over ----

  @Test
  void afterARollOverRequestsGoToOldChambersUntilANewOneRuns() {
    Deployment d = deployment(1, 10);
    run(d, "old");

    d.update(spec("2", scaling(1, 0)), 5);
    CompletableFuture<Lease> waiter = d.acquire(now);
    assertThat(leased(waiter).version()).isEqualTo("1");
    Plan p = d.plan(now, 0);
    assertThat(p.generation()).isEqualTo(2);
    assertThat(p.spec().chamber().version()).isEqualTo("2");
    assertThat(p.toStart()).isEqualTo(1);
    d.created("new", p.generation(), "2", now);
    waiter.join().release();
    Lease stillOld = leased(d.acquire(now));
    assertThat(stillOld.chamber()).as("the new one does not run yet").isEqualTo("old");

    d.running("new", new InetSocketAddress("127.0.0.1", 6100), now);

    Lease onNew = leased(d.acquire(now));
    assertThat(onNew.chamber()).isEqualTo("new");
    assertThat(onNew.version()).isEqualTo("2");
    stillOld.release();
    assertThat(d.acquire(now)).as("the old chamber takes no more requests").isNotDone();
  }

  @Test
  void aRollOverLetsOldChambersGoWhenTheirRequestsEnd() {
    Deployment d = deployment(1, 10);
    run(d, "old");
    Lease onOld = leased(d.acquire(now));

    d.update(spec("2", scaling(1, 0)), 5);
    run(d, "new");
    assertThat(d.plan(now, 0).toDestroy()).isEmpty();

    onOld.release();
    assertThat(d.plan(now, 0).toDestroy()).containsExactly("old");
    assertThat(d.state().chambers()).containsExactly("new");
  }

  @Test
  void aChangeOfScalingAloneKeepsTheChambersAndMayServeWaitersAtOnce() {
    Deployment d = deployment(1, 10);
    run(d, "c1");
    leased(d.acquire(now));
    CompletableFuture<Lease> waiter = d.acquire(now);

    d.update(spec("1", scaling(2, 0)), 5);

    assertThat(leased(waiter).chamber()).isEqualTo("c1");
    assertThat(d.plan(now, 0).generation()).isEqualTo(1);
    assertThat(d.state().chambers()).containsExactly("c1");
  }

  // ---- delete ----

  @Test
  void deleteFailsWaitersAndRefusesNewRequests() {
    Deployment d = deployment(1, 10);
    run(d, "c1");
    Lease inFlight = leased(d.acquire(now));
    CompletableFuture<Lease> waiter = d.acquire(now);

    d.delete();

    assertThat(waiter).isCompletedExceptionally();
    assertThatThrownBy(waiter::join)
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(UnknownDeploymentException.class);
    assertThatThrownBy(() -> d.acquire(now))
        .isInstanceOf(UnknownDeploymentException.class)
        .hasMessageStartingWith("no deployment named 'shop'");
    assertThat(d.state().inFlight()).as("requests in flight go on").isEqualTo(1);
    inFlight.release();
    assertThat(d.state().inFlight()).isZero();
  }

  @Test
  void aDeletedDeploymentPlansNothingAndRefusesChambersMadeMeanwhile() {
    Deployment d = deployment(spec("1", scaling(1, 2)), 10);
    Plan before = d.plan(now, 0);
    assertThat(before.toStart()).isEqualTo(2);

    d.delete();

    assertThat(d.created("late", before.generation(), "1", now)).isFalse();
    Plan after = d.plan(now, 0);
    assertThat(after.toStart()).isZero();
    assertThat(after.toDestroy()).isEmpty();
    assertThat(d.state().chambers()).isEmpty();
  }

  // ---- plans ----

  @Test
  void aPlanStartsWhatIsWantedLessWhatIsThereOrBeingMade() {
    Deployment d = deployment(1, 10);
    d.acquire(now);
    d.acquire(now);
    d.acquire(now);

    Plan first = d.plan(now, 0);
    assertThat(first.toStart()).isEqualTo(3);
    assertThat(d.plan(now, 0).toStart()).as("three are being made").isZero();

    d.created("c1", first.generation(), "1", now);
    d.created("c2", first.generation(), "1", now);
    assertThat(d.plan(now, 0).toStart()).as("two made, one being made").isZero();

    d.createFailed(now);
    assertThat(d.plan(now, 0).toStart()).as("the first replacement is immediate").isEqualTo(1);
  }

  @Test
  void anIdleDeploymentKeepsMinChambers() {
    assertThat(deployment(spec("1", scaling(1, 0)), 10).plan(now, 0).toStart()).isZero();
    assertThat(deployment(spec("1", scaling(1, 3)), 10).plan(now, 0).toStart()).isEqualTo(3);
  }

  @Test
  void aPlanWaitsOutTheBackOffAfterFailures() {
    Deployment d = deployment(spec("1", scaling(1, 1)), 10);
    assertThat(d.plan(now, 0).toStart()).isEqualTo(1);
    d.createFailed(now);
    assertThat(d.plan(now, 0).toStart()).isEqualTo(1);
    d.createFailed(now);

    assertThat(d.plan(now, 0).toStart()).isZero();
    assertThat(d.plan(now + SECOND - 1, 0).toStart()).isZero();
    assertThat(d.plan(now + SECOND, 0).toStart()).isEqualTo(1);
    d.createFailed(now + SECOND);
    assertThat(d.plan(now + 3 * SECOND - 1, 0).toStart()).isZero();
    assertThat(d.plan(now + 3 * SECOND, 0).toStart()).isEqualTo(1);
  }

  @Test
  void aChamberThatStaysUpTenSecondsEndsTheBackOff() {
    Deployment d = deployment(spec("1", scaling(1, 2)), 10);
    Plan p = d.plan(now, 0);
    assertThat(p.toStart()).isEqualTo(2);
    d.created("c1", p.generation(), "1", now);
    d.createFailed(now); // the first failure: replaced at once
    long wait = 0;
    for (int failure = 2; failure <= 6; failure++) {
      now += wait;
      assertThat(d.plan(now, 0).toStart()).isEqualTo(1);
      d.createFailed(now);
      wait = SECOND << (failure - 2); // 1, 2, 4, 8, then 16 s
    }
    d.running("c1", new InetSocketAddress("127.0.0.1", 6001), now);
    assertThat(d.plan(now, 0).toStart()).as("running is not yet staying up").isZero();

    now += 10 * SECOND; // 6 s before the 16 s back-off would end
    assertThat(d.plan(now, 0).toStart()).isEqualTo(1);
  }

  @Test
  void aChamberThatEndsUnaskedIsReplaced() {
    Deployment d = deployment(spec("1", scaling(1, 1)), 10);
    run(d, "c1");
    assertThat(d.plan(now, 0).toStart()).isZero();

    assertThat(d.ended("c1", now)).isTrue();

    assertThat(d.state().chambers()).isEmpty();
    assertThat(d.plan(now, 0).toStart()).isEqualTo(1);
    assertThat(d.ended("someone-else", now)).isFalse();
  }

  @Test
  void idleSurplusChambersGoAfterTheIdleTimeout() {
    Deployment d = deployment(1, 10); // idleTimeoutMs 1000, minChambers 0
    run(d, "c1");
    leased(d.acquire(now)).release();
    long lastUsed = now;

    assertThat(d.plan(lastUsed + SECOND - 1, 0).toDestroy()).isEmpty();
    assertThat(d.plan(lastUsed + SECOND, 0).toDestroy()).containsExactly("c1");
    assertThat(d.state().chambers()).isEmpty();
  }

  @Test
  void aPlanReportsTheDecisionOnlyWhenTheWantedNumberChanges() {
    Deployment d = deployment(1, 10);
    Plan first = d.plan(now, 100);
    assertThat(first.changed()).map(ScalingRule.Decision::desired).hasValue(0);
    assertThat(first.previous()).isEmpty();
    assertThat(d.plan(now, 200).changed()).isEmpty();

    d.acquire(now);
    Plan up = d.plan(now, 300);

    assertThat(up.changed()).map(ScalingRule.Decision::desired).hasValue(1);
    assertThat(up.previous()).map(ScalingRule.Decision::desired).hasValue(0);
    DeploymentState.LastDecision shown = d.state().lastDecision().orElseThrow();
    assertThat(shown.desired()).isEqualTo(1);
    assertThat(shown.reason()).isEqualTo("1 queued and 0 in flight at 1 per chamber");
    assertThat(shown.timeMillis()).isEqualTo(300);
  }

  @Test
  void theStateShowsChambersRequestsAndSpec() {
    Deployment d = new Deployment(spec("1", scaling(1, 0)), 10, 11, 22, () -> now);
    run(d, "c1");
    d.acquire(now);
    d.acquire(now);

    DeploymentState state = d.state();

    assertThat(state.app()).isEqualTo("shop");
    assertThat(state.spec()).containsOnlyKeys("version", "runtime");
    assertThat(state.scaling()).containsEntry("concurrency", 1);
    assertThat(state.chambers()).containsExactly("c1");
    assertThat(state.inFlight()).isEqualTo(1);
    assertThat(state.queued()).isEqualTo(1);
    assertThat(state.createdTimeMillis()).isEqualTo(11);
    d.update(spec("2", scaling(1, 0)), 33);
    assertThat(d.state().updatedTimeMillis()).isEqualTo(33);
    assertThat(d.state().spec()).containsEntry("version", "2");
  }
}
