package dev.impulse.chamber;

/**
 * Where chamber records are made durable. {@link ChamberRegistry} calls it for every change before
 * the change becomes visible, so an answer the API gives is never lost.
 */
public interface ChamberJournal {
  /** Records {@code chamber} (insert or update). */
  void save(Chamber chamber);

  /** Forgets chamber {@code id}. */
  void delete(String id);

  /** A journal that keeps nothing (for tests of pure logic). */
  ChamberJournal NONE =
      new ChamberJournal() {
        @Override
        public void save(Chamber chamber) {}

        @Override
        public void delete(String id) {}
      };
}
