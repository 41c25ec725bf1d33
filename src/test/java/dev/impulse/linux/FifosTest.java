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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
              return checks.get() < 10_000;
            });
    assertThat(new String(read, StandardCharsets.US_ASCII)).isEqualTo("0");
    assertThat(checks).hasPositiveValue();
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
    CountDownLatch written = new CountDownLatch(1);
    CountDownLatch close = new CountDownLatch(1);
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(() -> {
          try (OutputStream out = Files.newOutputStream(fifo)) {
            out.write('0');
            out.flush();
            written.countDown();
            close.await(10, TimeUnit.SECONDS);
          } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
          }
        });
    AtomicInteger checksAfterWrite = new AtomicInteger();
    byte[] read =
        Fifos.readUntilClosed(
            fifo,
            STEP,
            () -> {
              if (written.getCount() == 0 && checksAfterWrite.incrementAndGet() == 1) {
                close.countDown(); // the byte came; the end has not: let the writer close now
              }
              return true;
            });
    assertThat(new String(read, StandardCharsets.US_ASCII)).isEqualTo("0");
    assertThat(checksAfterWrite).as("it waited past the byte for the close").hasPositiveValue();
    assertThat(writer).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void keepsOnlyTheFirstBytesOfALongWriteAndDrainsTheRest() throws Exception {
    String longWrite = "x".repeat(Fifos.MAX_KEPT * 20);
    CompletableFuture<Void> writer = CompletableFuture.supplyAsync(() -> write(longWrite));
    byte[] read = Fifos.readUntilClosed(fifo, STEP, () -> true);
    assertThat(read).hasSize(Fifos.MAX_KEPT);
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
