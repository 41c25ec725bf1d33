package dev.impulse.chamber;

import dev.impulse.image.Baseimage;
import dev.impulse.image.FunctionRef;
import dev.impulse.image.RuntimeDefinition;
import dev.impulse.image.StoredFunction;

/**
 * What chambers are made of: runtimes, their baseimages and the uploaded functions. {@link
 * CatalogImages} is the daemon's; unit tests give their own.
 */
interface Images {
  /** The runtime named {@code name} (or alias); throws {@code UnknownRuntimeException}. */
  RuntimeDefinition runtime(String name);

  /** The runtime's baseimage, built first if it is not yet (which can take half a minute). */
  Baseimage baseimage(String runtime);

  /** Every runtime's name (not its aliases). */
  java.util.List<String> runtimeNames();

  /** Whether the runtime's baseimage is built (so a start needs no build). */
  boolean built(String runtime);

  /** The stored function; throws {@code UnknownFunctionException}. */
  StoredFunction function(FunctionRef ref);

  /**
   * Checks that {@code function} is written for {@code runtime}'s language; throws {@code
   * GuestMismatchException}.
   */
  void requireFits(RuntimeDefinition runtime, StoredFunction function);

  /** Deletes a stored function; false when there was none. */
  boolean deleteFunction(FunctionRef ref);
}
