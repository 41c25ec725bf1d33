package dev.impulse.linux;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;

/**
 * Whole-file locks that serialise work across processes and across instances in one JVM: {@code
 * FileChannel.lock} blocks on another process's lock but throws when this JVM already holds one on
 * the same file, so that case is waited out here by polling.
 */
public final class FileLocks {
  private static final long POLL_MILLIS = 50;

  private FileLocks() {}

  /**
   * Takes {@code channel}'s lock, waiting for another process or another holder in this JVM; {@code
   * what} names the lock in the message of an interrupt.
   */
  public static FileLock lockAcross(FileChannel channel, String what) throws IOException {
    while (true) {
      try {
        return channel.lock();
      } catch (OverlappingFileLockException heldInThisJvm) {
        try {
          Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted waiting for " + what);
        }
      }
    }
  }
}
