package dev.impulse.image;

import java.util.regex.Pattern;

/**
 * The rule for names that become file names, directory names and container ids: 1 to 63 characters
 * of a-z, 0-9, '.', '_' and '-', starting with a letter or digit. It refuses {@code ..}, slashes,
 * empty and non-ASCII names before anything touches the file system.
 */
public final class Names {
  /** The pattern every app and version name matches. */
  public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  private Names() {}

  /** Returns {@code value} if it is a valid name, else throws naming {@code what} and the rule. */
  public static String require(String what, String value) {
    if (value == null || !NAME.matcher(value).matches()) {
      throw new InvalidNameException(what, value);
    }
    return value;
  }
}
