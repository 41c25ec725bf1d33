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
   * writes until it closes its end, and returns it (the first {@link #MAX_KEPT} bytes). While
   * nothing happens, {@code keepWaiting} is asked every {@code step}; once it says no, what was
   * read so far is returned: empty when no writer came.
   *
   * <p>Linux reports a hang-up on a FIFO's read end only after a writer has come and gone, so a
   * writer that has not opened its end yet is waited for, not taken for one that left. The FIFO is
   * looked at without blocking and the thread sleeps in between (from {@link #FIRST_PAUSE} up to
   * {@code step}): a native call that blocks would hold a virtual thread's carrier, and a few such
   * waits would stop every other virtual thread of the daemon.
   */
  public static byte[] readUntilClosed(Path path, Duration step, BooleanSupplier keepWaiting)
      throws InterruptedException {
    int fd =
        LibcFiles.openat2(
            LibcFiles.AT_FDCWD,
            path.toString(),
            LibcFiles.O_RDONLY | O_NONBLOCK | LibcFiles.O_CLOEXEC,
            0,
            0);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(MAX_KEPT);
      ByteArrayOutputStream kept = new ByteArrayOutputStream();
      long pause = FIRST_PAUSE.toNanos();
      long nextCheck = System.nanoTime() + step.toNanos();
      while (true) {
        int n = Libc.poll(fd, Libc.POLLIN, 0) == 0 ? -1 : readSome(fd, buffer, path);
        if (n == 0) {
          return kept.toByteArray(); // the writer closed its end
        }
        if (n > 0) {
          int room = Math.min(n, MAX_KEPT - kept.size());
          if (room > 0) {
            kept.write(buffer.asSlice(0, room).toArray(JAVA_BYTE), 0, room);
          }
          pause = FIRST_PAUSE.toNanos();
          continue;
        }
        if (System.nanoTime() - nextCheck >= 0) {
          if (!keepWaiting.getAsBoolean()) {
            return kept.toByteArray();
          }
          nextCheck = System.nanoTime() + step.toNanos();
        }
        Thread.sleep(Duration.ofNanos(pause));
        pause = Math.min(pause * 2, step.toNanos());
      }
    } finally {
      LibcFiles.closeQuietly(fd);
    }
  }

  /** What one read got: bytes, 0 at the end, -1 when a writer is there with nothing written. */
  private static int readSome(int fd, MemorySegment buffer, Path path) {
    try {
      return LibcFiles.read(fd, buffer, path.toString());
    } catch (LinuxException e) {
      if (e.errno() != LibcFiles.EAGAIN) {
        throw e;
      }
      return -1;
    }
  }
}
