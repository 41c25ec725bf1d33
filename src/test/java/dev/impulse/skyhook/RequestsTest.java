package dev.impulse.skyhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** How exchanges get their threads, how a stop knows they are done, and a thread that is not. */
class RequestsTest {
  @Test
  void awaitIdleWaitsForTheExchangesInFlight() throws Exception {
    Requests requests = new Requests();
    CountDownLatch release = new CountDownLatch(1);
    requests.execute(() -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Thread waiter =
        Thread.ofPlatform()
            .start(() -> {
              try {
                requests.awaitIdle();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    assertThat(waiter.join(java.time.Duration.ofMillis(200))).as("idle while one runs").isFalse();
    release.countDown();
    assertThat(waiter.join(java.time.Duration.ofSeconds(10))).isTrue();
  }

  @Test
  void aThreadThatCannotBeCreatedIsRefusedAndNotCountedInFlight() throws Exception {
    Requests requests =
        new Requests(task -> {
          throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
        });
    assertThatThrownBy(() -> requests.execute(() -> {}))
        .isInstanceOf(RejectedExecutionException.class)
        .hasCauseInstanceOf(OutOfMemoryError.class);
    Thread waiter =
        Thread.ofPlatform()
            .start(() -> {
              try {
                requests.awaitIdle();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    assertThat(waiter.join(java.time.Duration.ofSeconds(10))).isTrue();
  }

  /** The JDK's server closes the connection it found no thread for, and goes on serving. */
  @Test
  void theServerOutlivesAThreadItCouldNotHave() throws Exception {
    AtomicBoolean failNext = new AtomicBoolean(true);
    Executor threads =
        task -> {
          if (failNext.getAndSet(false)) {
            throw new OutOfMemoryError("unable to create native thread");
          }
          Thread.ofVirtual().start(task);
        };
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    server.setExecutor(new Requests(threads));
    server.createContext(
        "/",
        new Handler(
            new GuestLoader.Guest((request, meta) -> request, getClass().getClassLoader()),
            Map.of(),
            new Timings(),
            1000));
    server.start();
    try {
      int port = server.getAddress().getPort();
      assertThat(call(port)).as("the connection without a thread").isEmpty();
      assertThat(call(port)).startsWith("HTTP/1.1 200");
    } finally {
      server.stop(0);
    }
  }

  private static String call(int port) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 1\r\n\r\n1"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      try {
        return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      } catch (java.net.SocketException reset) {
        return "";
      }
    }
  }
}
