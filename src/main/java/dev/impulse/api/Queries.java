package dev.impulse.api;

import io.javalin.http.Context;

/** Query parameters, checked with messages that name the parameter and its bounds. */
final class Queries {
  private Queries() {}

  static int intParam(Context ctx, String name, int fallback, int min, int max) {
    String raw = ctx.queryParam(name);
    if (raw == null || raw.isEmpty()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(raw);
      if (value < min || value > max) {
        throw new InvalidRequestException(
            "query parameter '"
                + name
                + "' must be between "
                + min
                + " and "
                + max
                + ", not "
                + raw);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new InvalidRequestException(
          "query parameter '" + name + "' must be a whole number, not '" + raw + "'");
    }
  }

  static boolean boolParam(Context ctx, String name, boolean fallback) {
    String raw = ctx.queryParam(name);
    if (raw == null || raw.isEmpty()) {
      return fallback;
    }
    return switch (raw) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default ->
          throw new InvalidRequestException(
              "query parameter '" + name + "' must be true or false, not '" + raw + "'");
    };
  }
}
