package dev.impulse.chamber;

/**
 * One line a chamber's function printed.
 *
 * @param time when it was printed (RFC 3339, as conmon recorded it)
 * @param stream {@code stdout} or {@code stderr}
 * @param text the line, without its newline (a line over 64 KiB comes in pieces)
 */
public record LogLine(String time, String stream, String text) {}
