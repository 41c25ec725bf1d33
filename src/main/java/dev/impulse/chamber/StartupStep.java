package dev.impulse.chamber;

/**
 * One step of a chamber's latest start and when it ended, for finding where start-up time goes:
 * {@code received}, {@code recorded}, {@code launching}, {@code images}, {@code prepared}
 * (directories), {@code cgroup}, {@code mounted}, {@code configured}, {@code monitor} (conmon,
 * spawned meanwhile, is there), {@code created} (conmon ran runc create), {@code started} (its
 * process was let run), {@code ready} (the daemon's probe got 200).
 *
 * @param step the step's name
 * @param epochMicros when it ended, in microseconds since the epoch
 */
public record StartupStep(String step, long epochMicros) {}
