package dev.impulse.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class FifosTest {
  private static final Duration STEP = Duration.ofMillis(5);

  @TempDir Path tmp;
  private Path fifo;

  @BeforeEach
  void makeFifo() throws Exception {
    fifo = tmp.resolve("exec.fifo");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertThat(mkfifo.waitFor()).isZero();
  }

  @Test
  void waitsForAWriterThatHasNotOpenedItsEndYetAndReturnsWhatItWrote() throws Exception {
    AtomicInteger checks = new AtomicInteger();
    CompletableFuture<Void> writer = new CompletableFuture<>();
    byte[] read =
        Fifos.readUntilClosed(
            fifo,
            STEP,
            () -> {
              // The reader found no writer at least once: only now does one come.
              if (checks.incrementAndGet() == 1) {
                writer.completeAsync(() -> write("0"));
              }
              return true;
            });
    assertThat(new String(read, StandardCharsets.US_ASCII)).isEqualTo("0");
    assertThat(writer).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void returnsNothingWhenNoWriterCameAndWaitingIsOver() throws Exception {
    AtomicInteger checks = new AtomicInteger();
    byte[] read = Fifos.readUntilClosed(fifo, STEP, () -> checks.incrementAndGet() < 3);
    assertThat(read).isEmpty();
    assertThat(checks).hasValue(3);
  }

  @Test
  void readsOnUntilTheWriterClosesItsEnd() throws Exception {
    CountDownLatch close = new CountDownLatch(1);
    AtomicBoolean closing = new AtomicBoolean();
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(() -> {
          try (OutputStream out = Files.newOutputStream(fifo)) {
            out.write('0');
            out.flush();
            close.await(10, TimeUnit.SECONDS);
            closing.set(true);
          } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
          }
        });
    AtomicInteger checks = new AtomicInteger();
    byte[] read =
        Fifos.readUntilClosed(
            fifo,
            STEP,
            () -> {
              if (checks.incrementAndGet() == 3) {
                close.countDown(); // well after the byte: only now may the writer close
              }
              return true;
            });
    assertThat(closing).as("it returned at the end, not at the byte").isTrue();
    assertThat(new String(read, StandardCharsets.US_ASCII)).isEqualTo("0");
    assertThat(writer).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void readsWhatCameJustBeforeWaitingWasOver() throws Exception {
    CompletableFuture<Void> writer = new CompletableFuture<>();
    byte[] read =
        Fifos.readUntilClosed(
            fifo,
            STEP,
            () -> {
              // The writer writes and leaves between two looks; the reader is told to stop.
              writer.completeAsync(() -> write("0")).join();
              return false;
            });
    assertThat(new String(read, StandardCharsets.US_ASCII)).isEqualTo("0");
  }

  @Test
  void stopsReadingAWriterThatNeverClosesOnceWaitingIsOver() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(() -> {
          try (OutputStream out = Files.newOutputStream(fifo)) {
            while (!stop.get()) {
              out.write(new byte[512]);
            }
          } catch (IOException e) {
            // the reader closed its end
          }
        });
    AtomicInteger checks = new AtomicInteger();
    byte[] read = Fifos.readUntilClosed(fifo, STEP, () -> checks.incrementAndGet() < 3);
    stop.set(true);
    assertThat(read).hasSize(Fifos.MAX_KEPT);
    assertThat(writer).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void anInterruptAfterTheBytesCameReturnsThemAndKeepsTheInterrupt() throws Exception {
    CompletableFuture<Void> writer = new CompletableFuture<>();
    CountDownLatch written = new CountDownLatch(1);
    CountDownLatch close = new CountDownLatch(1);
    Thread reader = Thread.currentThread();
    CompletableFuture.runAsync(() -> {
      try (OutputStream out = Files.newOutputStream(fifo)) {
        out.write('0');
        out.flush();
        written.countDown();
        close.await(10, TimeUnit.SECONDS);
        writer.complete(null);
      } catch (IOException | InterruptedException e) {
        writer.completeExceptionally(e);
      }
    });
    try {
      byte[] read =
          Fifos.readUntilClosed(
              fifo,
              STEP,
              () -> {
                // The byte is in the FIFO, read at the next look; its end is not: the interrupt
                // comes while the reader waits for the end.
                try {
                  written.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
                reader.interrupt();
                return true;
              });
      assertThat(new String(read, StandardCharsets.US_ASCII)).isEqualTo("0");
      assertThat(Thread.interrupted()).isTrue();
    } finally {
      close.countDown();
    }
    assertThat(writer).succeedsWithin(Duration.ofSeconds(10));
  }

  private Void write(String text) {
    try (OutputStream out = Files.newOutputStream(fifo)) {
      out.write(text.getBytes(StandardCharsets.US_ASCII));
      return null;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
