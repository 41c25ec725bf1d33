package dev.impulse.proxy;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * A caller's request whose body must come at least at {@link DataRate}'s pace: the time from the
 * proxy's demand for more to the caller's bytes arriving is counted, and a read past the grace
 * period at a lower rate fails with {@link SlowCallerException}. Without it a caller sending a byte
 * just inside the idle timeout would hold a chamber's place for as long as it liked.
 */
final class PacedRequest extends Request.Wrapper {
  private final DataRate rate = new DataRate();
  private long demandedAt;
  private long waited;

  PacedRequest(Request wrapped) {
    super(wrapped);
  }

  @Override
  public void demand(Runnable demandCallback) {
    long since = System.nanoTime();
    super.demand(() -> {
      waited += System.nanoTime() - since;
      demandCallback.run();
    });
  }

  @Override
  public Content.Chunk read() {
    Content.Chunk chunk = super.read();
    if (chunk == null || Content.Chunk.isFailure(chunk)) {
      return chunk;
    }
    rate.moved(chunk.remaining(), waited);
    waited = 0;
    if (!chunk.isLast() && rate.tooSlow()) {
      chunk.release();
      return Content.Chunk.from(new SlowCallerException(rate.describe("the request's body")));
    }
    return chunk;
  }
}
