package dev.impulse.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Reading a FIFO whose writer may never come, without waiting for it forever. */
public final class Fifos {
  /** More than this of what a writer sends is read and dropped. */
  static final int MAX_KEPT = 4096;

  private static final int O_NONBLOCK = 04000;

  private Fifos() {}

  /** The first pause between looks at the FIFO; each next one is twice as long, up to a step. */
  static final Duration FIRST_PAUSE = Duration.ofNanos(50_000);

  /**
   * Opens FIFO {@code path} for reading without waiting for a writer, then reads what a writer
   * writes until it closes its end, and returns it (the first {@link #MAX_KEPT} bytes). Every
   * {@code step}, written to or not, {@code keepWaiting} is asked; once it says no, what is there
   * is read without waiting and returned: empty when no writer wrote. Interrupted once something
   * was read, it returns that (the interrupt stays set): what was written was taken.
   *
   * <p>Linux reports a hang-up on a FIFO's read end only after a writer has come and gone, so a
   * writer that has not opened its end yet is waited for, not taken for one that left. The FIFO is
   * looked at without blocking and the thread sleeps in between (from {@link #FIRST_PAUSE} up to
   * {@code step}): a native call that blocks would hold a virtual thread's carrier, and a few such
   * waits would stop every other virtual thread of the daemon. A symbolic link is not followed.
   */
  public static byte[] readUntilClosed(Path path, Duration step, BooleanSupplier keepWaiting)
      throws InterruptedException {
    int fd =
        LibcFiles.openat2(
            LibcFiles.AT_FDCWD,
            path.toString(),
            LibcFiles.O_RDONLY | O_NONBLOCK | LibcFiles.O_CLOEXEC | LibcFiles.O_NOFOLLOW,
            0,
            0);
    try (Arena arena = Arena.ofConfined()) {
      Reading reading = new Reading(fd, path, arena.allocate(MAX_KEPT));
      long pause = FIRST_PAUSE.toNanos();
      long nextCheck = System.nanoTime() + step.toNanos();
      while (true) {
        int n = reading.readNow();
        if (n == 0) {
          return reading.kept(); // the writer closed its end
        }
        if (System.nanoTime() - nextCheck >= 0) {
          if (!keepWaiting.getAsBoolean()) {
            reading.drainNow(); // what came since the last look, or the end
            return reading.kept();
          }
          nextCheck = System.nanoTime() + step.toNanos();
        }
        if (n > 0) {
          pause = FIRST_PAUSE.toNanos(); // more may be there already
          continue;
        }
        try {
          Thread.sleep(Duration.ofNanos(pause));
        } catch (InterruptedException e) {
          if (reading.kept().length == 0) {
            throw e;
          }
          Thread.currentThread().interrupt();
          return reading.kept();
        }
        pause = Math.min(pause * 2, step.toNanos());
      }
    } finally {
      LibcFiles.closeQuietly(fd);
    }
  }

  /** The reads of one open FIFO, and the bytes kept of them. */
  private static final class Reading {
    private final int fd;
    private final Path path;
    private final MemorySegment buffer;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

    Reading(int fd, Path path, MemorySegment buffer) {
      this.fd = fd;
      this.path = path;
      this.buffer = buffer;
    }

    /** One look without waiting: bytes read, 0 at the end, -1 when nothing is there yet. */
    int readNow() {
      if (Libc.pollNow(fd, Libc.POLLIN) == 0) {
        return -1;
      }
      int n;
      try {
        n = LibcFiles.read(fd, buffer, path.toString());
      } catch (LinuxException e) {
        if (e.errno() != LibcFiles.EAGAIN) {
          throw e;
        }
        return -1; // a writer is there, with nothing written yet
      }
      int room = Math.min(n, MAX_KEPT - kept.size());
      if (room > 0) {
        kept.write(buffer.asSlice(0, room).toArray(JAVA_BYTE), 0, room);
      }
      return n;
    }

    /** Reads what is there now, at most a buffer's worth of reads. */
    void drainNow() {
      for (int i = 0; i < MAX_KEPT && readNow() > 0; i++) {
        // read on while bytes are there
      }
    }

    byte[] kept() {
      return kept.toByteArray();
    }
  }
}
