package dev.impulse.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Space held back on the store's file system: a file ({@code impulse.db-reserve}) of real blocks
 * next to the database. When a commit fails because the disk is full, the writer deletes it, so the
 * few small writes that free space (destroying a chamber, recording an exit) still go through; it
 * is made again once the file system has {@value #HEADROOM} times its size free, so that making it
 * does not fill the disk again.
 *
 * <p>Thread-safe: the writer releases it, housekeeping re-creates it; a state word changed by
 * compare-and-set keeps the two apart.
 */
final class Reserve {
  private static final Logger log = LoggerFactory.getLogger(Reserve.class);
  static final int HEADROOM = 4;
  private static final int CHUNK = 64 * 1024;
  private static final long MIB = 1024 * 1024;

  private enum State {
    /** No reserve is kept (its size is 0). */
    NONE,
    PRESENT,
    RELEASED,
    /** Being written by {@link #maintain()}: cannot be released meanwhile. */
    CREATING
  }

  private final Path file;
  private final long bytes;
  private final AtomicReference<State> state;

  private Reserve(Path file, long bytes, State state) {
    this.file = file;
    this.bytes = bytes;
    this.state = new AtomicReference<>(state);
  }

  /** The reserve file kept for the database {@code database}. */
  static Path fileFor(Path database) {
    return database.resolveSibling(database.getFileName() + "-reserve");
  }

  /**
   * Keeps a reserve of {@code bytes} (0: none) for {@code database}: an existing file of that size
   * is kept, another one replaced. When the file system has too little free to make it, the store
   * starts with its reserve released, and {@link #maintain()} makes it later.
   *
   * @throws IOException when the file cannot be made for another reason than a full disk
   */
  static Reserve open(Path database, long bytes) throws IOException {
    checkSize(bytes);
    Path file = fileFor(database);
    if (bytes == 0) {
      if (Files.deleteIfExists(file)) {
        log.info("state store {}: removed the reserve {}: none is configured", database, file);
      }
      return new Reserve(file, 0, State.NONE);
    }
    if (Files.isRegularFile(file) && Files.size(file) == bytes) {
      return new Reserve(file, bytes, State.PRESENT);
    }
    Files.deleteIfExists(file); // another size, or left half-written
    Reserve reserve = new Reserve(file, bytes, State.RELEASED);
    try {
      reserve.makeIfRoom();
    } catch (IOException e) {
      if (!DiskFullException.isDiskFull(e)) {
        throw e;
      }
      log.warn("state store {}: cannot make the reserve {}: {}", database, file, e.getMessage());
    }
    if (reserve.released()) {
      log.warn(
          "state store {}: starting without its {} reserve: {} free on its file system, {} needed;"
              + " free space there, impulse makes the reserve by itself once there is room",
          database,
          mib(bytes),
          mib(reserve.usable()),
          mib(HEADROOM * bytes));
    }
    return reserve;
  }

  /** Refuses a size that cannot be a reserve's. */
  static void checkSize(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException(
          "the state store's reserve must be 0 (none) or more bytes, not " + bytes);
    }
  }

  /** The reserve file. */
  Path file() {
    return file;
  }

  /** Whether a reserve is configured but not on disk now (released, or being made again). */
  boolean released() {
    State s = state.get();
    return s == State.RELEASED || s == State.CREATING;
  }

  /**
   * Deletes the reserve if it is there, to make room for a commit that failed on a full disk.
   *
   * @return whether space was freed, so the commit is worth trying again
   */
  boolean release() {
    if (!state.compareAndSet(State.PRESENT, State.RELEASED)) {
      return false;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.error("state store: the disk is full, and deleting the reserve {} failed", file, e);
      return false;
    }
    log.error(
        "state store: the file system holding {} is full; released the {} reserve so that the"
            + " writes that free space (destroying chambers, recording exits) still go through."
            + " Free space on it: impulse makes the reserve again once {} are free",
        file.getParent(),
        mib(bytes),
        mib(HEADROOM * bytes));
    return true;
  }

  /**
   * Makes the reserve again if it was released and the file system has {@value #HEADROOM} times its
   * size free; also notices a reserve file someone deleted. Cheap when there is nothing to do (one
   * stat).
   */
  void maintain() {
    State s = state.get();
    if (s == State.PRESENT) {
      if (Files.exists(file) || !state.compareAndSet(State.PRESENT, State.RELEASED)) {
        return;
      }
      log.warn("state store: the reserve {} was deleted from outside impulse", file);
    } else if (s != State.RELEASED) {
      return;
    }
    try {
      if (makeIfRoom()) {
        log.info(
            "state store: {} free again on the file system holding {}; the {} reserve is back",
            mib(usable()),
            file.getParent(),
            mib(bytes));
      }
    } catch (IOException e) {
      log.warn(
          "state store: making the reserve {} again failed ({}); will retry", file, e.toString());
    }
  }

  /** Writes the reserve if it is released and there is room; returns whether it did. */
  private boolean makeIfRoom() throws IOException {
    if (usable() < HEADROOM * bytes || !state.compareAndSet(State.RELEASED, State.CREATING)) {
      return false;
    }
    try {
      write();
      state.set(State.PRESENT);
      return true;
    } catch (IOException | RuntimeException e) {
      state.set(State.RELEASED);
      throw e;
    }
  }

  /**
   * Writes zeros and forces them to disk: a sparse file ({@code truncate}) would hold no blocks,
   * and deleting it would free nothing.
   */
  private void write() throws IOException {
    ByteBuffer zeros = ByteBuffer.allocate(CHUNK);
    try (FileChannel channel =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      for (long written = 0; written < bytes; ) {
        zeros.clear().limit((int) Math.min(CHUNK, bytes - written));
        while (zeros.hasRemaining()) {
          written += channel.write(zeros);
        }
      }
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(file); // half a reserve only takes space
      } catch (IOException notDeleted) {
        e.addSuppressed(notDeleted);
      }
      throw e;
    }
  }

  private long usable() {
    return DiskFullException.usableBytes(file).orElse(0L);
  }

  /** "16 MiB", "256 KiB", "81437.8 MiB": for log lines. */
  private static String mib(long bytes) {
    if (bytes % MIB == 0) {
      return bytes / MIB + " MiB";
    }
    return bytes < MIB ? bytes / 1024 + " KiB" : String.format("%.1f MiB", (double) bytes / MIB);
  }
}
