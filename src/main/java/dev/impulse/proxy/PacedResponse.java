package dev.impulse.proxy;

import java.nio.ByteBuffer;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The answer to a caller who must read it at least at {@link DataRate}'s pace ({@link CallerPace}):
 * the time each write waits for the caller to make room is counted (not the time the function takes
 * to produce it); a write that completes past the grace period at a lower rate fails with {@link
 * SlowCallerException}, and one still waiting at that point closes the caller's connection. Either
 * ends the call.
 */
final class PacedResponse extends Response.Wrapper {
  private final CallerPace pace;

  PacedResponse(Request request, Response wrapped) {
    super(request, wrapped);
    this.pace = new CallerPace(request, "reading the answer");
  }

  @Override
  public void write(boolean last, ByteBuffer content, Callback callback) {
    long bytes = content == null ? 0 : content.remaining();
    // What the write has moved before it completes: HTTP/1 hands this very buffer to the socket,
    // whose writes move its position (read from the watchdog's thread: at worst a little stale).
    CallerPace.Wait wait = pace.begin(() -> content == null ? 0 : bytes - content.remaining());
    super.write(
        last,
        content,
        Callback.from(
            callback.getInvocationType(),
            () -> {
              if (!wait.end(bytes)) {
                callback.failed(pace.failure()); // given up meanwhile: the connection is closing
              } else if (!last && pace.tooSlow()) {
                callback.failed(pace.failure());
              } else {
                callback.succeeded();
              }
            },
            failure -> {
              wait.end(0);
              callback.failed(failure);
            }));
    // Given up: the answer cannot be taken back, so the caller's connection closes.
    wait.watch(pace::hangUp);
  }
}
