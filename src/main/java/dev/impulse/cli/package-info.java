/**
 * The {@code impulse} command line (picocli): {@code impulse daemon}, the tools around it, and the
 * client subcommands ({@code deploy}, {@code invoke}, {@code ls}, {@code ps}, {@code logs}, {@code
 * rm}, {@code events}), which call the API through the client package.
 *
 * <p>May use: bakery, client, daemon, image, linux. The only package that writes to the terminal.
 */
package dev.impulse.cli;
