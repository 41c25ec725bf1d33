package dev.impulse.chamber;

/** A chamber asked for more than this node admits for one chamber. */
public final class OverLimitException extends RuntimeException {
  private final String field;
  private final String limit;

  OverLimitException(String field, String asked, String limit, String flag) {
    super(
        "field '"
            + field
            + "' asks for "
            + asked
            + ", over this node's limit of "
            + limit
            + " per chamber ("
            + flag
            + "); ask for less, or run the daemon with a higher "
            + flag);
    this.field = field;
    this.limit = limit;
  }

  /** The field over the limit. */
  public String field() {
    return field;
  }

  /** The node's limit for it. */
  public String limit() {
    return limit;
  }
}
