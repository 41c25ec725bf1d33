package dev.impulse.store;

import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * Refuses work that would take disk space while the data file system is (nearly) full: below {@code
 * minFreeBytes} free, or while the state store has spent its reserve. Checked before a create or an
 * upload begins, so on a full disk they change nothing and say why, while destroys, which free
 * space, still run. Thread-safe.
 */
public final class SpaceCheck {
  private final Path dir;
  private final long minFreeBytes;
  private final BooleanSupplier reserveInUse;

  /**
   * @param dir the data directory
   * @param minFreeBytes free space below which space-taking work is refused
   * @param reserveInUse tells whether the store has released its reserve (the disk filled up)
   */
  public SpaceCheck(Path dir, long minFreeBytes, BooleanSupplier reserveInUse) {
    this.dir = dir;
    this.minFreeBytes = minFreeBytes;
    this.reserveInUse = reserveInUse;
  }

  /** Throws {@link DiskFullException} naming {@code what} unless there is room for it. */
  public void require(String what) {
    long free = DiskFullException.usableBytes(dir).orElse(Long.MAX_VALUE);
    if (free < minFreeBytes || reserveInUse.getAsBoolean()) {
      throw DiskFullException.belowMinimum(dir, what, minFreeBytes);
    }
  }
}
