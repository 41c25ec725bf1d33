package dev.impulse.bench;

import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a bench daemon's log says of one pull of runtime {@code name}: the image puller's own time
 * (manifest, config and layers fetched and unpacked into the layer store, each synced) and the
 * runtime's (that, then the interpreter probe and the runtime's record), both in whole
 * milliseconds, measured inside the daemon, so free of the client's polling.
 *
 * @param imageMs the puller's {@code pulled REF (...): N layers, B bytes, in T ms}
 * @param runtimeMs the runtime's {@code runtime NAME: pulled REF (...) in T ms}
 */
record PullLog(OptionalDouble imageMs, OptionalDouble runtimeMs) {
  private static final Pattern IMAGE =
      Pattern.compile(
          "ImagePuller - pulled \\S+ \\(\\w+\\): \\d+ layers, \\d+ bytes, in (\\d+) ms");

  /** Reads the lines the daemon logged for one pull of runtime {@code name}. */
  static PullLog parse(String lines, String name) {
    Pattern runtime =
        Pattern.compile(
            "PulledRuntimes - runtime "
                + Pattern.quote(name)
                + ": pulled \\S+ \\(.*\\) in (\\d+) ms");
    return new PullLog(last(IMAGE.matcher(lines)), last(runtime.matcher(lines)));
  }

  /** Whether the runtime's line is there (it is logged just after the runtime shows PULLED). */
  boolean complete() {
    return runtimeMs.isPresent();
  }

  private static OptionalDouble last(Matcher m) {
    OptionalDouble found = OptionalDouble.empty();
    while (m.find()) {
      found = OptionalDouble.of(Double.parseDouble(m.group(1)));
    }
    return found;
  }
}
