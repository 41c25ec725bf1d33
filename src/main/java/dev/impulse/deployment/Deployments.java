package dev.impulse.deployment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.chamber.Chamber;
import dev.impulse.chamber.ChamberNotFoundException;
import dev.impulse.chamber.ChamberService;
import dev.impulse.chamber.ChamberStatus;
import dev.impulse.store.DeploymentRow;
import dev.impulse.store.EventRow;
import dev.impulse.store.Store;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployments: stored specs, their live {@link Deployment}s, and the two loops that keep them
 * true to their chambers. The scaler ticks every {@link #TICK} (and at once when a request queues),
 * asks each deployment for a plan and carries it out: creates, destroys, a {@code scale} event when
 * the wanted number changes. The follower reads the chamber event log and tells a deployment when
 * one of its chambers runs or ends. Thread-safe.
 */
public final class Deployments implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Deployments.class);
  static final Duration TICK = Duration.ofMillis(100);

  /** Deployments at most: each holds a row, a queue and a place in every scaler tick. */
  public static final int MAX_DEPLOYMENTS = 1000;

  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  /** What a PUT did. */
  public record Put(DeploymentState state, boolean created) {}

  private final ChamberService chambers;
  private final Store store;
  private final ObjectMapper json;
  private final IntFunction<InetSocketAddress> wrappers;
  private final int queueLength;
  private final Duration stopGrace;
  private final ScaleEvents events;
  private final Clock clock;
  private final Map<String, Deployment> byApp = new ConcurrentHashMap<>();
  private final Map<String, Deployment> byChamber = new ConcurrentHashMap<>();
  private final ReentrantLock changes = new ReentrantLock();
  private final Semaphore wake = new Semaphore(0);
  private final ExecutorService work = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Thread> loops = new ArrayList<>();
  private volatile boolean closed;

  /**
   * @param wrappers where the wrapper of the chamber on a port answers, seen from the host
   * @param queueLength requests at most waiting per deployment
   * @param stopGrace how long a delete lets requests in flight finish
   */
  public Deployments(
      ChamberService chambers,
      Store store,
      ObjectMapper json,
      IntFunction<InetSocketAddress> wrappers,
      int queueLength,
      Duration stopGrace,
      ScaleListener scaling,
      Clock clock) {
    this.chambers = chambers;
    this.store = store;
    this.json = json;
    this.wrappers = wrappers;
    this.queueLength = queueLength;
    this.stopGrace = stopGrace;
    this.events = new ScaleEvents(store, scaling, clock);
    this.clock = clock;
  }

  /**
   * Loads the stored deployments and adopts their surviving chambers (those RUNNING route at once);
   * chambers of a deployment that is gone are destroyed. Then starts the loops. Call after the
   * chambers started.
   */
  public void start() {
    long seq = chambers.events().latest();
    long now = System.nanoTime();
    for (DeploymentRow row : store.deployments()) {
      try {
        DeploymentSpec spec = DeploymentSpec.fromGiven(row.app(), json.readValue(row.spec(), MAP));
        byApp.put(
            row.app(),
            new Deployment(
                spec,
                queueLength,
                row.createdTimeMillis(),
                row.updatedTimeMillis(),
                System::nanoTime));
      } catch (JsonProcessingException | RuntimeException e) {
        log.error("deployment {}: its stored spec is unreadable ({}); skipped", row.app(), e);
      }
    }
    for (Chamber c : chambers.list()) {
      if (c.deployment().isEmpty()) {
        continue;
      }
      Deployment d = byApp.get(c.deployment().get());
      boolean live = c.status() == ChamberStatus.STARTING || c.status() == ChamberStatus.RUNNING;
      if (d == null || !live) {
        if (c.status() != ChamberStatus.STOPPING) {
          destroy(
              c.id(), d == null ? "its deployment is gone" : "it ended while the daemon was away");
        }
        continue;
      }
      d.adopt(c.id(), c.spec().version(), c.spec().equals(d.spec().chamber()), now);
      byChamber.put(c.id(), d);
      if (c.status() == ChamberStatus.RUNNING) {
        d.running(c.id(), wrappers.apply(c.port()), now);
      }
      log.info("deployment {}: adopted chamber {} ({})", d.app(), c.id(), c.status());
    }
    loops.add(Thread.ofVirtual().name("deployment-scaler").start(this::scaleLoop));
    ChamberFollower follower =
        new ChamberFollower(
            chambers.events(),
            seq,
            byChamber::containsKey,
            id -> chambers.find(id).ifPresent(c -> running(id, c.port())),
            this::ended);
    loops.add(Thread.ofVirtual().name("deployment-follower").start(follower));
  }

  // ---- the API ----

  /** Creates or changes deployment {@code app}; a change of what chambers run rolls them over. */
  public Put put(String app, Map<String, ?> given) {
    DeploymentSpec spec = DeploymentSpec.fromGiven(app, given);
    chambers.check(spec.chamber());
    String text = write(spec);
    changes.lock();
    try {
      long now = clock.millis();
      Deployment d = byApp.get(app);
      if (d == null) {
        if (byApp.size() >= MAX_DEPLOYMENTS) {
          throw new DeploymentsFullException(MAX_DEPLOYMENTS);
        }
        store.saveDeployment(
            new DeploymentRow(app, text, now, now),
            event(app, "deployment", null, spec.chamber().version(), "deployed"));
        d = new Deployment(spec, queueLength, now, now, System::nanoTime);
        byApp.put(app, d);
        log.info(
            "deployment {}: deployed {} on {}",
            app,
            spec.chamber().version(),
            spec.chamber().runtime());
        wake.release();
        return new Put(d.state(), true);
      }
      DeploymentSpec before = d.spec();
      if (!before.equals(spec)) {
        boolean rolls = before.rollsOver(spec);
        store.saveDeployment(
            new DeploymentRow(app, text, d.state().createdTimeMillis(), now),
            event(
                app,
                "deployment",
                before.chamber().version(),
                spec.chamber().version(),
                rolls ? "rolling over to the new spec" : "scaling changed"));
        d.update(spec, now);
        log.info("deployment {}: changed{}", app, rolls ? ", rolling over" : " (scaling only)");
        wake.release();
      }
      return new Put(d.state(), false);
    } finally {
      changes.unlock();
    }
  }

  /**
   * Throws {@link FunctionDeployedException} when a deployment runs {@code app} {@code version}.
   */
  public void requireUnused(String app, String version) {
    Deployment d = byApp.get(app);
    if (d != null && d.spec().chamber().version().equals(version)) {
      throw new FunctionDeployedException(app, version);
    }
  }

  /** Every deployment, by app. */
  public List<DeploymentState> list() {
    return byApp.values().stream()
        .map(Deployment::state)
        .sorted(Comparator.comparing(DeploymentState::app))
        .toList();
  }

  /** Deployment {@code app}. */
  public DeploymentState get(String app) {
    return deployment(app).state();
  }

  /**
   * Deletes deployment {@code app}: new requests get 404 at once, requests in flight may finish
   * within the stop grace period, then its chambers are destroyed. Returns when they are.
   */
  public void delete(String app) throws InterruptedException {
    Deployment d;
    changes.lock();
    try {
      d = deployment(app);
      d.delete();
      byApp.remove(app, d);
      store.deleteDeployment(
          app, event(app, "deployment", d.spec().chamber().version(), "DELETED", "deleted"));
    } finally {
      changes.unlock();
    }
    d.awaitDrained(stopGrace.toNanos());
    List<CompletableFuture<Void>> destroys = new ArrayList<>();
    for (String id : d.removeAll()) {
      destroys.add(
          CompletableFuture.runAsync(() -> destroyNow(id, "its deployment was deleted"), work));
    }
    CompletableFuture.allOf(destroys.toArray(CompletableFuture[]::new))
        .exceptionally(e -> null)
        .join();
    log.info("deployment {}: deleted", app);
  }

  /**
   * A lease on one of {@code app}'s chambers, now or once one has room (the caller bounds the wait;
   * a waiter that gives up leaves the queue). Throws {@link UnknownDeploymentException}, {@link
   * QueueFullException}.
   */
  public CompletableFuture<Lease> acquire(String app) {
    Deployment d = deployment(app);
    CompletableFuture<Lease> lease = d.acquire(System.nanoTime());
    if (!lease.isDone()) {
      wake.release(); // scale up now, not at the next tick
      lease.whenComplete((l, failure) -> {
        if (failure != null) {
          d.forget(lease);
        }
      });
    }
    return lease;
  }

  private Deployment deployment(String app) {
    Deployment d = byApp.get(app);
    if (d == null) {
      throw new UnknownDeploymentException(app);
    }
    return d;
  }

  // ---- the scaler ----

  private void scaleLoop() {
    while (!closed) {
      try {
        wake.tryAcquire(TICK.toNanos(), TimeUnit.NANOSECONDS);
        wake.drainPermits();
        for (Deployment d : byApp.values()) {
          act(d, d.plan(System.nanoTime(), clock.millis()));
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.error("the deployment scaler failed; it goes on", e);
      }
    }
  }

  private void act(Deployment d, Plan plan) {
    events.acted(d, plan);
    for (String id : plan.toDestroy()) {
      destroy(id, "the autoscaler let it go");
    }
    for (int i = 0; i < plan.toStart(); i++) {
      work.execute(() -> startOne(d, plan));
    }
  }

  private void startOne(Deployment d, Plan plan) {
    long now = System.nanoTime();
    Chamber c;
    try {
      c = chambers.create(plan.spec().chamber(), d.app());
    } catch (RuntimeException e) {
      d.createFailed(now);
      log.warn("deployment {}: creating a chamber failed: {}", d.app(), e.getMessage());
      return;
    }
    byChamber.put(c.id(), d);
    if (!d.created(c.id(), plan.generation(), c.spec().version(), System.nanoTime())) {
      destroy(c.id(), "its deployment was deleted while it was made");
      return;
    }
    // Its RUNNING event may have been read before it was a member: look once more.
    chambers.find(c.id()).ifPresent(this::observe);
  }

  // ---- the chambers' statuses ----

  /** Brings a member's routing in line with its chamber's status, as it is now. */
  private void observe(Chamber c) {
    switch (c.status()) {
      case RUNNING -> running(c.id(), c.port());
      case STARTING -> {}
      default -> ended(c.id());
    }
  }

  private void running(String id, int port) {
    Deployment d = byChamber.get(id);
    if (d != null) {
      d.running(id, wrappers.apply(port), System.nanoTime());
    }
  }

  private void ended(String id) {
    Deployment d = byChamber.get(id);
    if (d != null && d.ended(id, System.nanoTime())) {
      log.warn("deployment {}: chamber {} ended; it will be replaced", d.app(), id);
      destroy(id, "it ended");
      wake.release();
    }
  }

  // ---- destroying ----

  private void destroy(String id, String why) {
    work.execute(() -> destroyNow(id, why));
  }

  private void destroyNow(String id, String why) {
    try {
      log.info("chamber {}: destroying ({})", id, why);
      chambers.destroy(id);
    } catch (ChamberNotFoundException gone) {
      // destroyed already
    } catch (RuntimeException e) {
      log.warn("chamber {}: destroying it failed: {}", id, e.getMessage());
    } finally {
      byChamber.remove(id);
    }
  }

  private String write(DeploymentSpec spec) {
    try {
      return json.writeValueAsString(spec.asGiven());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a deployment spec did not serialise", e);
    }
  }

  private Optional<EventRow> event(String app, String kind, String from, String to, String reason) {
    return Optional.of(new EventRow(0, app, kind, from, to, clock.millis(), reason));
  }

  /** Stops the loops; chambers keep running (the next daemon adopts them). */
  @Override
  public void close() {
    closed = true;
    loops.forEach(Thread::interrupt);
    for (Deployment d : byApp.values()) {
      d.delete();
    }
    work.shutdownNow();
  }
}
