/**
 * The {@code impulse} command line (picocli): {@code impulse daemon} and the tools around it.
 *
 * <p>May use: daemon, image, linux. The only package that writes to the terminal.
 */
package dev.impulse.cli;
