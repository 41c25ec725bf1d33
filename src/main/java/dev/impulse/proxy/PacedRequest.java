package dev.impulse.proxy;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * A caller's request whose body must come at least at {@link DataRate}'s pace ({@link CallerPace}):
 * the time from the proxy's demand for more to the caller's bytes is counted; a read past the grace
 * period at a lower rate, or a demand still waiting at that point, fails the body with {@link
 * SlowCallerException} (a {@code 408}). It also remembers whether the body failed on the caller's
 * side, so that such a failure is never blamed on the chamber.
 */
final class PacedRequest extends Request.Wrapper {
  private final CallerPace pace = new CallerPace(this, "the request's body");
  private volatile Throwable callerFailure;
  private volatile Content.Chunk failed;
  private volatile boolean waitingForCaller;

  PacedRequest(Request wrapped) {
    super(wrapped);
  }

  /** How the caller's side of the body failed, if it did: a hang-up, a timeout, too slow. */
  Throwable callerFailure() {
    return callerFailure;
  }

  @Override
  public void demand(Runnable demandCallback) {
    CallerPace.Wait wait = pace.begin(null);
    waitingForCaller = true;
    super.demand(
        Invocable.from(
            Invocable.getInvocationType(demandCallback),
            () -> {
              if (wait.end(0)) {
                demandCallback.run();
              }
            }));
    // Given up (the watchdog ended the wait): the body fails, a 408, whether or not its bytes
    // ever come; Jetty's own wake-up, if it comes, finds the wait ended and does nothing.
    wait.watch(() -> {
      fail(pace.failure());
      demandCallback.run();
    });
  }

  @Override
  public Content.Chunk read() {
    if (failed != null) {
      return failed; // failures are for good
    }
    boolean waited = waitingForCaller;
    waitingForCaller = false;
    Content.Chunk chunk = super.read();
    if (chunk != null && Content.Chunk.isFailure(chunk)) {
      // A hang-up is the caller's; an idle timeout only when the proxy was waiting for the caller,
      // not when the chamber had stopped taking the body (then the connection idled for it).
      Throwable failure = chunk.getFailure();
      if (waited || !(failure instanceof java.util.concurrent.TimeoutException)) {
        callerFailure = failure;
      }
      return chunk;
    }
    if (chunk != null) {
      pace.moved(chunk.remaining());
    }
    // Also when nothing came: bytes that carry no content (a chunk's extension) wake a demand too.
    if ((chunk == null || !chunk.isLast()) && pace.tooSlow()) {
      if (chunk != null) {
        chunk.release();
      }
      fail(pace.failure());
      return failed;
    }
    return chunk;
  }

  private void fail(SlowCallerException slow) {
    callerFailure = slow;
    failed = Content.Chunk.from(slow);
  }
}
