package dev.impulse.image;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The runtimes impulse offers and their aliases. Immutable and thread-safe.
 *
 * <p>{@code python3.9} is built from Debian bullseye, {@code python3.11} from bookworm, and {@code
 * python3} is an alias of the newer. {@code node20}, {@code java21} and {@code binary} are built
 * from trixie, the newest Debian release with Node.js and OpenJDK (20 and 21); {@code node} and
 * {@code java} are their aliases.
 */
public final class RuntimeCatalog {
  private final Map<String, RuntimeDefinition> runtimes;
  private final Map<String, String> aliases;
  private final List<String> order;

  RuntimeCatalog(List<RuntimeDefinition> runtimes, Map<String, String> aliases) {
    Map<String, RuntimeDefinition> byName = new LinkedHashMap<>();
    runtimes.forEach(r -> byName.put(r.name(), r));
    aliases.forEach((alias, target) -> {
      if (!byName.containsKey(target)) {
        throw new IllegalArgumentException("alias " + alias + " names no runtime: " + target);
      }
    });
    this.runtimes = Map.copyOf(byName);
    this.aliases = Map.copyOf(aliases);
    this.order = List.copyOf(byName.keySet());
  }

  /** The runtimes this release of impulse ships. */
  public static RuntimeCatalog standard() {
    return new RuntimeCatalog(
        List.of(
            python("python3.9", "bullseye"),
            python("python3.11", "bookworm"),
            new RuntimeDefinition(
                "node20", Language.NODE, "trixie", Optional.of("/usr/bin/node"), List.of("nodejs")),
            new RuntimeDefinition(
                "java21",
                Language.JAVA,
                "trixie",
                Optional.of("/usr/lib/jvm/java-21-openjdk-amd64/bin/java"),
                List.of("openjdk-21-jre-headless")),
            // Debian's essential set and the CA certificates: a static binary needs none of it,
            // one linked against glibc finds it, and either can make TLS calls.
            new RuntimeDefinition(
                "binary", Language.BINARY, "trixie", Optional.empty(), List.of("ca-certificates"))),
        Map.of("python3", "python3.11", "node", "node20", "java", "java21"));
  }

  private static RuntimeDefinition python(String name, String suite) {
    return new RuntimeDefinition(
        name, Language.PYTHON, suite, Optional.of("/usr/bin/" + name), List.of("python3"));
  }

  /** The runtime called {@code name}, directly or through an alias. */
  public Optional<RuntimeDefinition> find(String name) {
    return Optional.ofNullable(runtimes.get(aliases.getOrDefault(name, name)));
  }

  /** Like {@link #find}, but throws {@link UnknownRuntimeException} listing what exists. */
  public RuntimeDefinition resolve(String name) {
    return find(name).orElseThrow(() -> new UnknownRuntimeException(name, names()));
  }

  /** The runtimes, in their listing order. */
  public List<RuntimeDefinition> runtimes() {
    return order.stream().map(runtimes::get).toList();
  }

  /** Alias to runtime name. */
  public Map<String, String> aliases() {
    return aliases;
  }

  /** Every accepted name: runtimes, then aliases. */
  public List<String> names() {
    List<String> names = new ArrayList<>(order);
    aliases.keySet().stream().sorted().forEach(names::add);
    return names;
  }
}
