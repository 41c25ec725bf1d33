package dev.impulse.proxy;

import java.util.regex.Pattern;

/**
 * Where a proxied request goes: {@code /{app}/{rest}} names the app and the path the function sees
 * ({@code /} when there is none).
 *
 * @param app the app
 * @param path the path the chamber gets, still encoded as it arrived
 */
record Route(String app, String path) {
  /** The app names a deployment may have (those of functions). */
  private static final Pattern APP = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  /** The route of {@code rawPath}, or null when its first segment cannot name an app. */
  static Route of(String rawPath) {
    if (rawPath == null || !rawPath.startsWith("/")) {
      return null;
    }
    int slash = rawPath.indexOf('/', 1);
    String app = slash < 0 ? rawPath.substring(1) : rawPath.substring(1, slash);
    if (!APP.matcher(app).matches()) {
      return null;
    }
    return new Route(app, slash < 0 ? "/" : rawPath.substring(slash));
  }
}
