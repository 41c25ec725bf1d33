package dev.impulse.image;

/** The function store holds as many versions as it may: a new one is refused. */
public final class FunctionStoreFullException extends RuntimeException {
  FunctionStoreFullException(int max) {
    super(
        "the daemon stores at most "
            + max
            + " function versions (--max-functions) and holds that many; delete versions no"
            + " chamber uses, then upload again");
  }
}
