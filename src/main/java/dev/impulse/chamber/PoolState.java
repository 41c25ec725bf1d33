package dev.impulse.chamber;

/**
 * One runtime's pool of stem cells.
 *
 * @param size how many ready cells it keeps
 * @param ready how many are ready now
 * @param starting how many are being started (at most one at a time for all pools)
 * @param memoryBytes the memory the ready cells' cgroups hold
 * @param cells the ready cells' names, the next to be taken first
 */
public record PoolState(
    int size, int ready, int starting, long memoryBytes, java.util.List<String> cells) {
  public PoolState {
    cells = java.util.List.copyOf(cells);
  }
}
