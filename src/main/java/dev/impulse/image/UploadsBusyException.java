package dev.impulse.image;

/**
 * An upload was refused at once because the daemon is already unpacking as many as it takes at a
 * time: each one spools, unpacks and hashes, and their number bounds the disk, memory and threads
 * uploads can hold. Nothing was read or written; the client should retry.
 */
public final class UploadsBusyException extends RuntimeException {
  private final int inFlight;

  UploadsBusyException(int inFlight) {
    super(
        inFlight
            + " function uploads are already in flight, the most this daemon takes at once; retry"
            + " when one has finished");
    this.inFlight = inFlight;
  }

  /** How many uploads were in flight when this one was refused. */
  public int inFlight() {
    return inFlight;
  }
}
