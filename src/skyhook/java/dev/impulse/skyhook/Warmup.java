package dev.impulse.skyhook;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a cold JVM would otherwise do during the chamber's first request, done ahead on a thread of
 * its own: the JDK's server formats a Date header with the locale's day and month names and the
 * zone's name (loading the CLDR locale data takes a cold JVM 60 to 200 ms), its logger looks for a
 * backend (java.util.logging: 20 to 60 ms), and the wrapper's JSON classes load. A stem cell does
 * it before it says it is ready, so the chamber it becomes does not pay for it. A chamber's wrapper
 * started cold does not: it would only move the cost from its first request (the daemon's readiness
 * probe) to before it listens, and a thread of its own beside the start-up gained nothing
 * measurable on two busy cores, nothing at all under a CPU quota of one.
 */
final class Warmup {
  /** The Date header's format, as sun.net.httpserver.ExchangeImpl has it. */
  private static final String DATE_PATTERN = "EEE, dd MMM yyyy HH:mm:ss zzz";

  private Warmup() {}

  /** Warms the JVM up; never fails. */
  static void run() {
    try {
      DateTimeFormatter.ofPattern(DATE_PATTERN, Locale.US)
          .withZone(ZoneId.of("GMT"))
          .format(Instant.now());
      System.getLogger("com.sun.net.httpserver").isLoggable(System.Logger.Level.TRACE);
      Map<String, Object> sample = new LinkedHashMap<>();
      sample.put("status", "ok");
      sample.put("at", Timings.now());
      JsonReader.read(JsonWriter.write(sample));
    } catch (JsonReader.MalformedJson | RuntimeException e) {
      // only a head start: the first request does whatever is left
    }
  }
}
