package dev.impulse.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * wrk, the field's HTTP load generator, with one thread and kept-alive connections: POSTs a JSON
 * body for a while and reports calls per second and the median latency. Written in C and
 * event-driven, it costs the 2 cores far less per call than a JVM client would, so what it measures
 * is the server's cost, not its own.
 */
final class Wrk {
  private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern CALLS = Pattern.compile("(\\d+) requests in ");
  private static final Pattern P50 = Pattern.compile("\\s50%\\s+([0-9.]+)(us|ms|s)\\b");
  private static final Pattern FAILED = Pattern.compile("Non-2xx or 3xx responses|Socket errors");

  /** One run's figures. */
  record Result(double callsPerSecond, double p50Ms, long calls) {}

  private final Programs programs;
  private final Path script;

  Wrk(Programs programs, Path dir, String body) {
    this.programs = programs;
    this.script = dir.resolve("post.lua");
    try {
      Files.createDirectories(dir);
      Files.writeString(
          script,
          "wrk.method = \"POST\"\n"
              + "wrk.body = '"
              + body.replace("\\", "\\\\").replace("'", "\\'")
              + "'\n"
              + "wrk.headers[\"Content-Type\"] = \"application/json\"\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write wrk's script in " + dir, e);
    }
  }

  /** {@code connections} clients calling {@code uri} back to back for {@code length}. */
  Result run(URI uri, int connections, Duration length) {
    String out =
        programs.run(
            "wrk",
            "-t1",
            "-c" + connections,
            "-d" + Math.max(1, length.toSeconds()) + "s",
            "--latency",
            "-s",
            script.toString(),
            uri.toString());
    return parse(uri, out);
  }

  static Result parse(URI uri, String out) {
    Matcher rate = RATE.matcher(out);
    Matcher calls = CALLS.matcher(out);
    Matcher p50 = P50.matcher(out);
    if (FAILED.matcher(out).find() || !rate.find() || !calls.find() || !p50.find()) {
      throw new IllegalStateException("wrk against " + uri + " failed or had errors:\n" + out);
    }
    double value = Double.parseDouble(p50.group(1));
    double ms =
        switch (p50.group(2)) {
          case "us" -> value / 1000;
          case "ms" -> value;
          default -> value * 1000;
        };
    return new Result(Double.parseDouble(rate.group(1)), ms, Long.parseLong(calls.group(1)));
  }
}
