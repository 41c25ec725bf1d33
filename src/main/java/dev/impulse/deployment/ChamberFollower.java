package dev.impulse.deployment;

import dev.impulse.chamber.ChamberEvent;
import dev.impulse.chamber.ChamberEvents;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the chamber event log from a position on and reports, for the chambers {@code watched}
 * names, each move to RUNNING and each end (an unhealthy chamber counts as ended). It goes by the
 * event's own {@code to}: a look at the chamber when the event is read may show an older status
 * (the event is committed first).
 */
final class ChamberFollower implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(ChamberFollower.class);

  private final ChamberEvents events;
  private final Predicate<String> watched;
  private final Consumer<String> running;
  private final Consumer<String> ended;
  private long seq;

  ChamberFollower(
      ChamberEvents events,
      long from,
      Predicate<String> watched,
      Consumer<String> running,
      Consumer<String> ended) {
    this.events = events;
    this.seq = from;
    this.watched = watched;
    this.running = running;
    this.ended = ended;
  }

  @Override
  public void run() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        List<ChamberEvent> page = events.after(seq);
        for (ChamberEvent e : page) {
          seq = e.seq();
          if (e.kind().equals("health")
              && e.to().equals("UNHEALTHY")
              && watched.test(e.chamber())) {
            // A wrapper that stopped answering its probes would take calls it never answers:
            // it goes, and the autoscaler replaces it.
            ended.accept(e.chamber());
          } else if (e.kind().equals("status") && watched.test(e.chamber())) {
            switch (e.to()) {
              case "RUNNING" -> running.accept(e.chamber());
              case "STARTING" -> {}
              default -> ended.accept(e.chamber());
            }
          }
        }
        if (page.isEmpty()) {
          events.awaitAfter(seq, Duration.ofSeconds(1));
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.error("following chamber events failed; it goes on after event {}", seq, e);
      }
    }
  }
}
