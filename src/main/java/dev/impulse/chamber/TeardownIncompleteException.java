package dev.impulse.chamber;

/**
 * A chamber could not be released completely (its monitor still runs, a mount is busy): it is kept,
 * with what is left in its reason, so that nothing it may still use is taken from it. Retrying the
 * destroy goes on from where it stopped.
 */
public final class TeardownIncompleteException extends RuntimeException {
  TeardownIncompleteException(String id, String why) {
    super("chamber " + id + " is not destroyed yet: " + why + "; retry the DELETE");
  }
}
