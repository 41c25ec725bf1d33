package dev.impulse.oci.build;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a container of the image runs: the {@code config} object of an OCI image config, which a
 * container engine turns into its process (its arguments are the entrypoint followed by the
 * command). Immutable; lists keep their order (it is the process's), labels and ports are kept
 * sorted, so one configuration always gives the same JSON.
 *
 * @param entrypoint the program and its first arguments; empty for none
 * @param cmd the arguments after the entrypoint (or the program, without one); empty for none
 * @param env the environment, each {@code NAME=value}, names unique
 * @param workingDir the absolute directory the process starts in; empty for the engine's default
 * @param user the user (and group) to run as, {@code name}, {@code uid} or {@code uid:gid}; empty
 *     for root
 * @param labels the image's labels
 * @param exposedPorts ports the process listens on, {@code 8080/tcp} (a port without a protocol is
 *     taken as tcp)
 */
public record RunConfig(
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    String workingDir,
    String user,
    Map<String, String> labels,
    Set<String> exposedPorts) {
  /** Nothing set: an engine runs the image's defaults, which an image without them lacks. */
  public static final RunConfig EMPTY =
      new RunConfig(List.of(), List.of(), List.of(), "", "", Map.of(), Set.of());

  private static final Pattern ENV_NAME = Pattern.compile("[^=\\x00]+");
  private static final Pattern PORT = Pattern.compile("([0-9]{1,5})(?:/(tcp|udp|sctp))?");

  public RunConfig {
    entrypoint = strings(entrypoint, "entrypoint");
    cmd = strings(cmd, "cmd");
    env = environment(env);
    workingDir = text(workingDir, "working directory");
    if (!workingDir.isEmpty() && !workingDir.startsWith("/")) {
      throw new IllegalArgumentException(
          "the working directory '" + workingDir + "' must be an absolute path");
    }
    user = text(user, "user");
    labels = labels(labels);
    exposedPorts = ports(exposedPorts);
  }

  /** This configuration with the entrypoint {@code args}. */
  public RunConfig withEntrypoint(String... args) {
    return new RunConfig(List.of(args), cmd, env, workingDir, user, labels, exposedPorts);
  }

  /** This configuration with the command {@code args}. */
  public RunConfig withCmd(String... args) {
    return new RunConfig(entrypoint, List.of(args), env, workingDir, user, labels, exposedPorts);
  }

  /** This configuration with the environment {@code variables}, each {@code NAME=value}. */
  public RunConfig withEnv(String... variables) {
    return new RunConfig(
        entrypoint, cmd, List.of(variables), workingDir, user, labels, exposedPorts);
  }

  /** This configuration starting in {@code dir}. */
  public RunConfig withWorkingDir(String dir) {
    return new RunConfig(entrypoint, cmd, env, dir, user, labels, exposedPorts);
  }

  /** This configuration running as {@code user}. */
  public RunConfig withUser(String user) {
    return new RunConfig(entrypoint, cmd, env, workingDir, user, labels, exposedPorts);
  }

  /** This configuration with the label {@code name} set to {@code value}. */
  public RunConfig withLabel(String name, String value) {
    Map<String, String> more = new TreeMap<>(labels);
    more.put(name, value);
    return new RunConfig(entrypoint, cmd, env, workingDir, user, more, exposedPorts);
  }

  /** This configuration exposing {@code ports} as well ({@code 8080/tcp}). */
  public RunConfig withExposedPorts(String... ports) {
    Set<String> more = new TreeSet<>(exposedPorts);
    more.addAll(Arrays.asList(ports));
    return new RunConfig(entrypoint, cmd, env, workingDir, user, labels, more);
  }

  private static List<String> strings(List<String> values, String what) {
    if (values == null) {
      throw new IllegalArgumentException("the " + what + " cannot be null; give an empty list");
    }
    for (String value : values) {
      if (value == null || value.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("the " + what + " cannot hold null or NUL: " + values);
      }
    }
    return List.copyOf(values);
  }

  private static String text(String value, String what) {
    if (value == null || value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "the " + what + " must be text without NUL (empty for none), not " + value);
    }
    return value;
  }

  private static List<String> environment(List<String> env) {
    List<String> variables = strings(env, "environment");
    Set<String> names = new HashSet<>();
    for (String variable : variables) {
      int equals = variable.indexOf('=');
      String name = equals < 0 ? variable : variable.substring(0, equals);
      if (equals < 0 || !ENV_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "the environment variable '" + variable + "' must be NAME=value, with a NAME");
      }
      if (!names.add(name)) {
        throw new IllegalArgumentException(
            "the environment sets " + name + " twice; give each variable once");
      }
    }
    return variables;
  }

  private static SortedMap<String, String> labels(Map<String, String> labels) {
    if (labels == null) {
      throw new IllegalArgumentException("the labels cannot be null; give an empty map");
    }
    SortedMap<String, String> sorted = new TreeMap<>();
    labels.forEach((name, value) -> {
      if (name == null || name.isEmpty() || value == null) {
        throw new IllegalArgumentException(
            "a label needs a name and a value, not " + name + "=" + value);
      }
      sorted.put(name, value);
    });
    return Collections.unmodifiableSortedMap(sorted);
  }

  private static Set<String> ports(Set<String> ports) {
    if (ports == null) {
      throw new IllegalArgumentException("the exposed ports cannot be null; give an empty set");
    }
    Set<String> sorted = new TreeSet<>();
    for (String port : new ArrayList<>(ports)) {
      Matcher m = PORT.matcher(port == null ? "" : port);
      if (!m.matches()
          || Integer.parseInt(m.group(1)) < 1
          || Integer.parseInt(m.group(1)) > 65535) {
        throw new IllegalArgumentException(
            "the exposed port '"
                + port
                + "' must be PORT or PORT/PROTOCOL: 1 to 65535, tcp, udp"
                + " or sctp (8080/tcp)");
      }
      sorted.add(Integer.parseInt(m.group(1)) + "/" + (m.group(2) == null ? "tcp" : m.group(2)));
    }
    return Collections.unmodifiableSet(sorted);
  }
}
