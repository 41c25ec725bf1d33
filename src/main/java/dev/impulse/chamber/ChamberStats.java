package dev.impulse.chamber;

/**
 * What a running chamber uses, read from its cgroup.
 *
 * @param memoryBytes memory in use now (page cache included, as the kernel charges it)
 * @param memoryPeakBytes the most in use since the container started (0 when not recorded)
 * @param memoryLimitBytes its limit (0: none)
 * @param cpuNanos CPU time used, user and system
 * @param pids processes and threads now
 * @param pidsLimit their limit (0: none)
 */
public record ChamberStats(
    long memoryBytes,
    long memoryPeakBytes,
    long memoryLimitBytes,
    long cpuNanos,
    long pids,
    long pidsLimit) {}
