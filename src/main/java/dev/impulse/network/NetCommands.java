package dev.impulse.network;

import dev.impulse.linux.CommandFailedException;
import dev.impulse.linux.CommandResult;
import dev.impulse.linux.ProcessCommandRunner;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs iproute2's {@code ip} and nftables' {@code nft} with a batch of commands on stdin, one
 * process per batch (about 3 ms each here), and turns a failure into a {@link NetworkException}
 * that quotes the program's error.
 */
final class NetCommands {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** The lowest CPU priority, for work done ahead (the pool) while chambers start. */
  private static final List<String> BACKGROUND = List.of("/usr/bin/nice", "-n", "19");

  private final ProcessCommandRunner runner;
  private final Path ip;
  private final Path nft;
  private final Path conntrack;
  private final List<String> prefix;

  NetCommands(ProcessCommandRunner runner, Path ip, Path nft, Path conntrack) {
    this(runner, ip, nft, conntrack, List.of());
  }

  private NetCommands(
      ProcessCommandRunner runner, Path ip, Path nft, Path conntrack, List<String> prefix) {
    this.runner = runner;
    this.ip = ip;
    this.nft = nft;
    this.conntrack = conntrack;
    this.prefix = prefix;
  }

  /**
   * The same commands run at the lowest CPU priority: on two cores, a pool refilling at normal
   * priority takes CPU from the chamber whose start just emptied it.
   */
  NetCommands background() {
    return new NetCommands(runner, ip, nft, conntrack, BACKGROUND);
  }

  private List<String> command(String... args) {
    List<String> command = new java.util.ArrayList<>(prefix);
    command.addAll(List.of(args));
    return command;
  }

  /** {@code ip -batch -} in the host's network namespace. */
  void ip(String what, String batch) {
    run(what, command(ip.toString(), "-batch", "-"), batch);
  }

  /** {@code ip -n NAMESPACE -batch -}. */
  void ipIn(String namespace, String what, String batch) {
    run(what, command(ip.toString(), "-n", namespace, "-batch", "-"), batch);
  }

  /** {@code nft -f -}: the whole script is one transaction. */
  void nft(String what, String script) {
    run(what, command(nft.toString(), "-f", "-"), script);
  }

  /**
   * Deletes the host's tracked connections from or (after translation) to {@code address}; none to
   * delete is no failure.
   */
  void forgetConnections(InetAddress address) {
    for (String direction : List.of("--orig-src", "--reply-src")) {
      run(
          "forget the connections of " + address.getHostAddress(),
          command(conntrack.toString(), "-D", direction, address.getHostAddress()),
          null,
          // conntrack exits 1 when there was nothing to delete
          result -> result.stderr().contains("0 flow entries"));
    }
  }

  /** {@code ip ARGS}, its output. */
  String ipOutput(String what, List<String> args) {
    List<String> command = new java.util.ArrayList<>();
    command.add(ip.toString());
    command.addAll(args);
    return run(what, command, null).stdout();
  }

  /**
   * Runs {@code command}; a program that fails, does not start, times out or is interrupted is a
   * {@link NetworkException}, which the API answers with 503.
   */
  private CommandResult run(String what, List<String> command, String input) {
    return run(what, command, input, result -> false);
  }

  private CommandResult run(
      String what,
      List<String> command,
      String input,
      java.util.function.Predicate<CommandResult> fineAnyway) {
    CommandResult result;
    try {
      result = runner.run(command, input, TIMEOUT);
    } catch (CommandFailedException e) {
      throw new NetworkException("cannot " + what + ": " + e.getMessage(), e);
    }
    if (!result.succeeded() && !fineAnyway.test(result)) {
      String error = result.stderr().isBlank() ? result.stdout() : result.stderr();
      // The program, not the nice before it.
      boolean niced =
          command.size() > prefix.size() && command.subList(0, prefix.size()).equals(prefix);
      String program = command.get(niced ? prefix.size() : 0);
      throw new NetworkException(
          "cannot "
              + what
              + ": "
              + program
              + " failed (exit "
              + result.exitCode()
              + "): "
              + error.strip().lines().limit(5).toList());
    }
    return result;
  }
}
