package dev.impulse.testing;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sockets in a network namespace a test made: a thread of its own joins the namespace (setns),
 * opens what the test asks for, and ends; the sockets stay in that namespace. And a listener on an
 * abstract Unix socket, which the JDK cannot make.
 */
public final class Netns {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final MethodHandle OPEN = handle("open", JAVA_INT, ADDRESS, JAVA_INT);
  private static final MethodHandle SETNS = handle("setns", JAVA_INT, JAVA_INT, JAVA_INT);
  private static final MethodHandle CLOSE = handle("close", JAVA_INT, JAVA_INT);
  private static final MethodHandle SOCKET =
      handle("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
  private static final MethodHandle BIND = handle("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
  private static final MethodHandle LISTEN = handle("listen", JAVA_INT, JAVA_INT, JAVA_INT);
  private static final int CLONE_NEWNET = 0x40000000;
  private static final int O_RDONLY_CLOEXEC = 0x80000;
  private static final int AF_UNIX = 1;
  private static final int SOCK_STREAM_CLOEXEC = 1 | 0x80000;

  private Netns() {}

  private static MethodHandle handle(String name, ValueLayout result, ValueLayout... args) {
    return LINKER.downcallHandle(
        LINKER.defaultLookup().find(name).orElseThrow(), FunctionDescriptor.of(result, args));
  }

  /** Runs {@code work} on a thread that joined the network namespace at {@code path}. */
  public static <T> T in(Path path, Callable<T> work) {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Exception> failure = new AtomicReference<>();
    Thread thread =
        Thread.ofPlatform()
            .name("netns " + path.getFileName())
            .start(() -> {
              try (Arena arena = Arena.ofConfined()) {
                int fd =
                    (int) OPEN.invokeExact(arena.allocateFrom(path.toString()), O_RDONLY_CLOEXEC);
                if (fd < 0 || (int) SETNS.invokeExact(fd, CLONE_NEWNET) != 0) {
                  throw new IllegalStateException("cannot join network namespace " + path);
                }
                int closed = (int) CLOSE.invokeExact(fd);
                result.set(work.call());
              } catch (Exception e) {
                failure.set(e);
              } catch (Throwable t) {
                failure.set(new IllegalStateException(t));
              }
            });
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (failure.get() != null) {
      throw new IllegalStateException(
          "in " + path + ": " + failure.get().getMessage(), failure.get());
    }
    return result.get();
  }

  /**
   * Listens on the abstract Unix socket {@code name} (in the calling thread's network namespace);
   * returns its file descriptor, to be given to {@link #close}.
   */
  public static int listenAbstract(String name) {
    try (Arena arena = Arena.ofConfined()) {
      byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
      MemorySegment address = arena.allocate(110);
      address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
      // sun_path[0] = 0 makes it abstract; the name follows
      MemorySegment.copy(bytes, 0, address, ValueLayout.JAVA_BYTE, 3, bytes.length);
      int fd = (int) SOCKET.invokeExact(AF_UNIX, SOCK_STREAM_CLOEXEC, 0);
      if (fd < 0
          || (int) BIND.invokeExact(fd, address, 3 + bytes.length) != 0
          || (int) LISTEN.invokeExact(fd, 8) != 0) {
        throw new IllegalStateException("cannot listen on abstract socket @" + name);
      }
      return fd;
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** Closes a descriptor {@link #listenAbstract} returned. */
  public static void close(int fd) {
    try {
      int closed = (int) CLOSE.invokeExact(fd);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }
}
