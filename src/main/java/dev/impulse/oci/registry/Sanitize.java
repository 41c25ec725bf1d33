package dev.impulse.oci.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.net.URI;

/**
 * Makes text a registry sent (its error messages, headers) safe to put into an exception message or
 * a log line: control characters become '?', so it cannot forge log lines, and it is cut to a
 * length a message can carry.
 */
final class Sanitize {
  static final int MAX_LENGTH = 300;

  private Sanitize() {}

  static String text(String text) {
    StringBuilder out = new StringBuilder();
    text.codePoints()
        .limit(MAX_LENGTH)
        .forEach(c -> out.append(Character.isISOControl(c) ? "?" : Character.toString(c)));
    if (text.codePointCount(0, text.length()) > MAX_LENGTH) {
      out.append("...");
    }
    return out.toString();
  }

  /**
   * {@code uri} without user info, query and fragment: presigned storage URLs and upload locations
   * carry signatures and state there, which are as good as credentials.
   */
  static String uri(URI uri) {
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String port = uri.getPort() < 0 ? "" : ":" + uri.getPort(); // no user info either
    return text(uri.getScheme() + "://" + uri.getHost() + port + path);
  }

  /** What a JSON parser says is wrong, without the source excerpt Jackson appends. */
  static String jsonError(IOException e) {
    String message = e instanceof JsonProcessingException json ? json.getOriginalMessage() : null;
    return text(message == null ? String.valueOf(e.getMessage()) : message);
  }
}
