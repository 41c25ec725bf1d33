package dev.impulse.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.linux.CommandFailedException;
import dev.impulse.linux.CommandResult;
import dev.impulse.linux.CommandRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The runc command line, on impulse's own state directory ({@code --root}). Containers are created
 * by conmon ({@link Conmon}); this class starts, signals, inspects and deletes them. Thread-safe.
 */
public final class Runc {
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Path binary;
  private final Path root;
  private final CommandRunner runner;
  private final ObjectMapper json;

  public Runc(Path binary, Path root, CommandRunner runner, ObjectMapper json) {
    this.binary = binary;
    this.root = root;
    this.runner = runner;
    this.json = json;
  }

  /** The same runc on another state directory (to look at what an earlier root holds). */
  public Runc withRoot(Path otherRoot) {
    return new Runc(binary, otherRoot, runner, json);
  }

  /** The runc binary. */
  public Path binary() {
    return binary;
  }

  /** The state directory passed as {@code --root}. */
  public Path root() {
    return root;
  }

  /** Runs the created container's process ({@code runc start}). */
  public void start(String id) {
    run("start", id).orThrow();
  }

  /**
   * Sends {@code signal} (a name such as {@code TERM}) to the container's first process. Returns
   * false when the container does not exist or is no longer running.
   */
  public boolean kill(String id, String signal) {
    CommandResult result = run("kill", id, signal);
    if (result.succeeded()) {
      return true;
    }
    if (isGone(result)) {
      return false;
    }
    throw new CommandFailedException(result);
  }

  /**
   * Deletes the container's runc state and cgroup ({@code --force} kills it first). Returns false
   * when there was no such container.
   */
  public boolean delete(String id, boolean force) {
    CommandResult result = force ? run("delete", "--force", id) : run("delete", id);
    if (result.succeeded()) {
      return true;
    }
    if (isGone(result)) {
      return false;
    }
    throw new CommandFailedException(result);
  }

  /** The container's state, or empty when runc does not know it. */
  public Optional<ContainerState> state(String id) {
    CommandResult result = run("state", id);
    if (!result.succeeded()) {
      if (isGone(result)) {
        return Optional.empty();
      }
      throw new CommandFailedException(result);
    }
    return Optional.of(parseState(result.stdout()));
  }

  /** Every container under this root. */
  public List<ContainerState> list() {
    CommandResult result = run("list", "--format", "json").orThrow();
    List<ContainerState> states = new ArrayList<>();
    try {
      JsonNode array = json.readTree(result.stdout());
      if (array != null && array.isArray()) {
        for (JsonNode node : array) {
          states.add(toState(node));
        }
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("runc list printed what is not JSON: " + result.stdout(), e);
    }
    return states;
  }

  ContainerState parseState(String stdout) {
    try {
      return toState(json.readTree(stdout));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("runc state printed what is not JSON: " + stdout, e);
    }
  }

  private static ContainerState toState(JsonNode node) {
    Map<String, String> annotations = new HashMap<>();
    JsonNode labels = node.path("annotations");
    labels.properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
    return new ContainerState(
        node.path("id").asText(),
        node.path("pid").asInt(0),
        node.path("status").asText("unknown"),
        node.path("bundle").asText(""),
        annotations);
  }

  /** runc's way of saying the container is not there (any more). */
  private static boolean isGone(CommandResult result) {
    String err = result.stderr();
    return err.contains("does not exist") || err.contains("not running");
  }

  private CommandResult run(String... args) {
    List<String> command = new ArrayList<>(args.length + 2);
    command.add(binary.toString());
    command.add("--root=" + root);
    command.addAll(List.of(args));
    return runner.run(command, TIMEOUT);
  }
}
