package dev.impulse.client;

/**
 * What {@code GET /chambers/{id}/logs} is asked for.
 *
 * @param tail the last lines only, or every line when negative
 * @param follow keep streaming new lines until the chamber ends
 * @param timestamps prefix each line with its time and stream
 */
public record LogRequest(int tail, boolean follow, boolean timestamps) {
  /** The query string, starting with '?', or empty. */
  String query() {
    StringBuilder query = new StringBuilder();
    if (tail >= 0) {
      query.append("&tail=").append(tail);
    }
    if (follow) {
      query.append("&follow=true");
    }
    if (timestamps) {
      query.append("&timestamps=true");
    }
    return query.isEmpty() ? "" : "?" + query.substring(1);
  }
}
