package dev.impulse.network;

/**
 * An inclusive range of TCP ports, such as {@code 6000-9999}.
 *
 * @param first the lowest port
 * @param last the highest port
 */
public record PortRange(int first, int last) {
  public PortRange {
    if (first < 1 || last > 65535 || first > last) {
      throw new IllegalArgumentException(
          "port range " + first + "-" + last + " is not within 1-65535 with first <= last");
    }
  }

  /** Parses {@code FIRST-LAST}. */
  public static PortRange parse(String text) {
    String[] parts = text.trim().split("-", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException("port range '" + text + "' is not of the form FIRST-LAST");
    }
    try {
      return new PortRange(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port range '" + text + "' is not of the form FIRST-LAST");
    }
  }

  /** How many ports the range holds. */
  public int size() {
    return last - first + 1;
  }

  /** True when {@code port} is in the range. */
  public boolean contains(int port) {
    return port >= first && port <= last;
  }

  @Override
  public String toString() {
    return first + "-" + last;
  }
}
