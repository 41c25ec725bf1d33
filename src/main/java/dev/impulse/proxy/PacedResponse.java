package dev.impulse.proxy;

import java.nio.ByteBuffer;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The answer to a caller who must read it at least at {@link DataRate}'s pace: the time each write
 * waits for the caller to make room is counted (not the time the function takes to produce it), and
 * a write completing past the grace period at a lower rate fails with {@link SlowCallerException},
 * which ends the call.
 */
final class PacedResponse extends Response.Wrapper {
  private final DataRate rate = new DataRate();

  PacedResponse(Request request, Response wrapped) {
    super(request, wrapped);
  }

  @Override
  public void write(boolean last, ByteBuffer content, Callback callback) {
    long bytes = content == null ? 0 : content.remaining();
    long since = System.nanoTime();
    super.write(
        last,
        content,
        Callback.from(
            callback.getInvocationType(),
            () -> {
              rate.moved(bytes, System.nanoTime() - since);
              if (!last && rate.tooSlow()) {
                callback.failed(new SlowCallerException(rate.describe("reading the answer")));
              } else {
                callback.succeeded();
              }
            },
            callback::failed));
  }
}
