package dev.impulse.skyhook;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The wrapper's start-up times, epoch seconds in the order they happened: {@code started} (the
 * process began, before the JVM booted), {@code runtime_up} (the JVM runs the wrapper's main),
 * {@code imports_done} (the wrapper's own classes and the HTTP server are loaded), {@code
 * specialised} (a stem cell became a chamber's), {@code listening}, {@code guest_imported}.
 * Thread-safe.
 */
final class Timings {
  /** USER_HZ: the unit of /proc's process times on every Linux ABI. */
  private static final double TICKS_PER_SECOND = 100.0;

  private final Map<String, Object> marks = new LinkedHashMap<>();

  /** Marks {@code name} now. */
  synchronized void mark(String name) {
    marks.put(name, now());
  }

  /** Marks {@code name} at {@code epochSeconds}. */
  synchronized void mark(String name, double epochSeconds) {
    marks.put(name, epochSeconds);
  }

  /** The marks so far, a copy. */
  synchronized Map<String, Object> snapshot() {
    return new LinkedHashMap<>(marks);
  }

  static double now() {
    return System.currentTimeMillis() / 1000.0;
  }

  /**
   * When this process began, within 20 ms: its start in /proc/self/stat against the time since boot
   * in /proc/uptime, both in hundredths of a second. Neither {@code ProcessHandle} (it adds a boot
   * time rounded to the second: up to a second early) nor the JVM's {@code RuntimeMXBean} (loading
   * java.management costs 30 ms of a cold start) will do. Never later than {@code notAfter}; {@code
   * notAfter} itself where /proc cannot be read.
   */
  static double processStart(double notAfter) {
    try {
      String stat = read("/proc/self/stat");
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long startTicks = Long.parseLong(fields[19]); // field 22, starttime; fields[0] is field 3
      String uptime = read("/proc/uptime");
      double sinceBoot = Double.parseDouble(uptime.substring(0, uptime.indexOf(' ')));
      double started = now() - (sinceBoot - startTicks / TICKS_PER_SECOND);
      return Math.min(started, notAfter);
    } catch (IOException | RuntimeException e) {
      return notAfter;
    }
  }

  private static String read(String file) throws IOException {
    try (FileInputStream in = new FileInputStream(file)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }
}
