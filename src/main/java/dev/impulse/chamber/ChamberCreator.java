package dev.impulse.chamber;

import dev.impulse.image.RuntimeDefinition;
import dev.impulse.image.StoredFunction;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates chambers: checks the spec, takes a stem cell of its runtime when one fits (else a port
 * for a cold start), records the chamber STARTING and starts it in the background: a cell is
 * specialised, a cold chamber launched. A create that fails leaves nothing behind.
 */
final class ChamberCreator {
  private static final Logger log = LoggerFactory.getLogger(ChamberCreator.class);

  /** The longest a failed create waits for its cell's specialisation steps (mounts, a write). */
  static final Duration SPECIALISE_WAIT = Duration.ofSeconds(10);

  private final ChamberParts parts;
  private final ChamberRegistry registry;
  private final Admission admission;
  private final CellPools pools;
  private final CellFactory cells;
  private final ChamberStarter starter;
  private final Lock functionUse;
  private final ChamberIds ids = new ChamberIds();

  ChamberCreator(
      ChamberParts parts,
      ChamberRegistry registry,
      CellPools pools,
      CellFactory cells,
      ChamberStarter starter,
      Lock functionUse) {
    this.parts = parts;
    this.registry = registry;
    this.admission = new Admission(parts.settings());
    this.pools = pools;
    this.cells = cells;
    this.starter = starter;
    this.functionUse = functionUse;
  }

  /** See {@link ChamberService#check}. */
  void check(ChamberSpec spec) {
    admission.check(spec);
    functionUse.lock(); // a function deleted meanwhile is unknown, not a missing directory
    try {
      parts
          .images()
          .requireFits(
              parts.images().runtime(spec.runtime()), parts.images().function(spec.function()));
    } finally {
      functionUse.unlock();
    }
  }

  /** See {@link ChamberService#create}. */
  Chamber create(ChamberSpec spec, Optional<String> deployment) {
    Instant received = parts.timing().clock().instant();
    admission.check(spec);
    RuntimeDefinition runtime = parts.images().runtime(spec.runtime());
    parts.space().require("creating a chamber");
    LiveChamber c;
    Optional<StemCell> cell;
    functionUse.lock();
    try {
      StoredFunction function = parts.images().function(spec.function());
      parts.images().requireFits(runtime, function);
      cell = pools.take(runtime.name(), spec);
      int port = cell.isPresent() ? cell.get().port() : parts.network().attach();
      CompletableFuture<Boolean> recorded = new CompletableFuture<>();
      Future<?> specialising = null;
      try {
        String id = ids.next(spec, registry::contains);
        Chamber chamber =
            Chamber.starting(
                id,
                spec,
                port,
                parts.timing().clock().millis(),
                cell.map(StemCell::name).orElse(id),
                deployment);
        Run run = new Run(1, new StartupMarks(parts.timing().clock()));
        run.startup.mark("received", received);
        c = new LiveChamber(Lifecycle.State.first(chamber), run, true);
        if (cell.isPresent()) {
          // A cell is specialised while the chamber is recorded: the two take about as long.
          StemCell taken = cell.get();
          run.takeOver(taken);
          specialising = parts.work().submit(() -> starter.specialise(c, run, taken, recorded));
        }
        registry.add(c);
        recorded.complete(true);
        run.startup.mark("recorded");
        log.info(
            "chamber {}: created ({} on {}, port {}, function {}{})",
            c.id,
            spec.app() + " " + spec.version(),
            runtime.name(),
            port,
            function.digest().substring(0, 12),
            cell.map(s -> ", stem cell " + s.name()).orElse(""));
      } catch (RuntimeException e) {
        recorded.complete(false);
        release(port, cell, specialising, e);
        throw e;
      }
    } finally {
      functionUse.unlock();
    }
    if (cell.isEmpty()) {
      Run run = c.run();
      parts.work().execute(() -> starter.launch(c, run));
    }
    return c.chamber();
  }

  /**
   * A create that failed before its chamber was recorded gives back its port, or removes its cell
   * once the cell's specialisation stopped touching it.
   */
  private void release(
      int port, Optional<StemCell> cell, Future<?> specialising, RuntimeException e) {
    try {
      if (cell.isPresent()) {
        if (specialising != null) {
          specialising.get(SPECIALISE_WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        cells.destroy(cell.get(), "the create that took it failed");
      } else {
        parts.network().detach(port);
      }
    } catch (RuntimeException | ExecutionException | TimeoutException notReleased) {
      e.addSuppressed(notReleased);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      e.addSuppressed(interrupted);
    }
  }
}
