package dev.impulse.chamber;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The live, in-memory side of one chamber: what has been set up for it, so tear-down undoes exactly
 * that, once. {@link #lock} serialises the steps that create or destroy its container.
 */
final class ChamberHandle {
  final ReentrantLock lock = new ReentrantLock();

  /** Completed with the exit code when the container's end has been handled (-1: never ran). */
  final CompletableFuture<Integer> ended = new CompletableFuture<>();

  /** Set when a destroy began: the launch must not go on. */
  volatile boolean destroyRequested;

  /** Set once conmon created the container: there is something to signal and delete. */
  volatile boolean containerCreated;

  /** True while the chamber holds its port; tear-down releases it exactly once. */
  final AtomicBoolean holdsPort = new AtomicBoolean(true);

  /** True once resources were released. */
  final AtomicBoolean tornDown = new AtomicBoolean();
}
