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
 * python3} is an alias of the newer.
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
            new RuntimeDefinition(
                "python3.9", "bullseye", "/usr/bin/python3.9", List.of("python3")),
            new RuntimeDefinition(
                "python3.11", "bookworm", "/usr/bin/python3.11", List.of("python3"))),
        Map.of("python3", "python3.11"));
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
