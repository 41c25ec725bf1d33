package dev.impulse.oci.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A response body as an {@link InputStream} whose reads give up when no data has come for {@code
 * idle}. The JDK's request timeout ends once the headers are in, and its own {@code ofInputStream}
 * body then waits without bound: a registry (or a storage service it redirects to) that stalls in
 * the middle of a layer would hold a pull for ever. A stalled read throws {@link
 * HttpTimeoutException} and cancels the body. One chunk is asked for at a time, so at most one is
 * held. The stream is for one reader; the HTTP client's threads only feed it.
 */
final class IdleTimeoutBody implements HttpResponse.BodySubscriber<InputStream> {
  private static final Object END = new Object();

  private record Failure(Throwable cause) {}

  private final Duration idle;
  private final BlockingQueue<Object> arrived = new LinkedBlockingQueue<>();
  private final Stream stream = new Stream();
  private volatile Flow.Subscription subscription;

  IdleTimeoutBody(Duration idle) {
    this.idle = idle;
  }

  /** A handler giving every response such a body. */
  static HttpResponse.BodyHandler<InputStream> handler(Duration idle) {
    return info -> new IdleTimeoutBody(idle);
  }

  @Override
  public CompletionStage<InputStream> getBody() {
    return CompletableFuture.completedFuture(stream);
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    if (stream.closed) {
      subscription.cancel();
    } else {
      subscription.request(1);
    }
  }

  @Override
  public void onNext(List<ByteBuffer> buffers) {
    arrived.add(buffers);
  }

  @Override
  public void onError(Throwable failure) {
    arrived.add(new Failure(failure));
  }

  @Override
  public void onComplete() {
    arrived.add(END);
  }

  private final class Stream extends InputStream {
    private Iterator<ByteBuffer> chunk = List.<ByteBuffer>of().iterator();
    private ByteBuffer current = ByteBuffer.allocate(0);
    private boolean ended;
    private volatile boolean closed;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (closed) {
        throw new IOException("the response body is closed");
      }
      if (length == 0) {
        return 0;
      }
      while (!current.hasRemaining()) {
        if (chunk.hasNext()) {
          current = chunk.next();
          continue;
        }
        if (ended || !next()) {
          return -1;
        }
      }
      int n = Math.min(length, current.remaining());
      current.get(buffer, offset, n);
      return n;
    }

    /** Takes the next chunk, waiting at most {@code idle}; false at the end of the body. */
    private boolean next() throws IOException {
      Object item;
      try {
        item = arrived.poll(idle.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new InterruptedIOException("interrupted while reading a response body");
      }
      if (item == null) {
        close();
        throw new HttpTimeoutException("no data for " + idle.toMillis() + " ms");
      }
      if (item == END) {
        ended = true;
        return false;
      }
      if (item instanceof Failure failure) {
        ended = true;
        throw failure.cause() instanceof IOException io ? io : new IOException(failure.cause());
      }
      @SuppressWarnings("unchecked")
      List<ByteBuffer> buffers = (List<ByteBuffer>) item;
      chunk = buffers.iterator();
      subscription.request(1);
      return true;
    }

    @Override
    public int available() {
      return current.remaining();
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      Flow.Subscription s = subscription;
      if (s != null && !ended) {
        s.cancel(); // the connection is dropped rather than drained
      }
    }
  }
}
