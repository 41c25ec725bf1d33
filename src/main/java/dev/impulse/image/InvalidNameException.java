package dev.impulse.image;

/** A name does not follow {@link Names#NAME}. */
public final class InvalidNameException extends RuntimeException {
  InvalidNameException(String what, String value) {
    super(
        what
            + " "
            + show(value)
            + " is not a valid name: use 1 to 63 characters of a-z, 0-9, '.', '_' and '-',"
            + " starting with a letter or digit");
  }

  private static String show(String value) {
    if (value == null) {
      return "(missing)";
    }
    if (value.isEmpty()) {
      return "'' (empty)";
    }
    String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
    return "'" + shown + "'";
  }
}
