package dev.impulse.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Streams over a raw file descriptor that {@link RootedDir} opened: the JDK cannot wrap a
 * descriptor number, and reopening through {@code /proc/self/fd} would be one more path lookup.
 * Each stream owns its descriptor and closes it once. Failures are {@link LinuxException}s (so a
 * full disk keeps its ENOSPC). Not thread-safe, like the streams of the JDK.
 */
final class FdStreams {
  private FdStreams() {}

  static OutputStream output(int fd, String what) {
    return new Output(fd, what);
  }

  static InputStream input(int fd, String what) {
    return new Input(fd, what);
  }

  private static final class Output extends OutputStream {
    private final int fd;
    private final String what;
    private final AtomicBoolean closed = new AtomicBoolean();

    Output(int fd, String what) {
      this.fd = fd;
      this.what = what;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      Objects.checkFromIndexSize(offset, length, bytes.length);
      if (closed.get()) {
        throw new IllegalStateException("the stream writing " + what + " is closed");
      }
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment data = arena.allocate(Math.max(length, 1));
        MemorySegment.copy(bytes, offset, data, JAVA_BYTE, 0, length);
        LibcFiles.write(fd, data.asSlice(0, length), what);
      }
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        Libc.close(fd); // a failed close of a written file can mean lost data: report it
      }
    }
  }

  private static final class Input extends InputStream {
    private final int fd;
    private final String what;
    private final AtomicBoolean closed = new AtomicBoolean();

    Input(int fd, String what) {
      this.fd = fd;
      this.what = what;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) {
      Objects.checkFromIndexSize(offset, length, bytes.length);
      if (closed.get()) {
        throw new IllegalStateException("the stream reading " + what + " is closed");
      }
      if (length == 0) {
        return 0;
      }
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment buffer = arena.allocate(length);
        int n = LibcFiles.read(fd, buffer, what);
        if (n == 0) {
          return -1;
        }
        MemorySegment.copy(buffer, JAVA_BYTE, 0, bytes, offset, n);
        return n;
      }
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        LibcFiles.closeQuietly(fd);
      }
    }
  }
}
