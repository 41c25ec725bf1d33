package dev.impulse.chamber;

import java.security.SecureRandom;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/** Makes chamber ids: {@code <app>-<version>-<5 random lowercase letters>}, unique. */
final class ChamberIds {
  static final int SUFFIX_LENGTH = 5;
  private final RandomGenerator random;

  ChamberIds() {
    this(new SecureRandom());
  }

  ChamberIds(RandomGenerator random) {
    this.random = random;
  }

  /** A new id for {@code spec} that {@code taken} does not hold. */
  String next(ChamberSpec spec, Predicate<String> taken) {
    while (true) {
      StringBuilder id =
          new StringBuilder(spec.app()).append('-').append(spec.version()).append('-');
      for (int i = 0; i < SUFFIX_LENGTH; i++) {
        id.append((char) ('a' + random.nextInt(26)));
      }
      String candidate = id.toString();
      if (!taken.test(candidate)) {
        return candidate;
      }
    }
  }
}
