package dev.impulse.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every runtime chambers can name: the built-in ones of the {@link RuntimeCatalog} (Debian recipes)
 * and those pulled from registries ({@link PulledRuntimes}), which cannot take a built-in name.
 * Thread-safe: the catalog is immutable, the pulled runtimes guard their own state.
 */
public final class Runtimes {
  private final RuntimeCatalog catalog;
  private final Optional<PulledRuntimes> pulled;

  public Runtimes(RuntimeCatalog catalog, Optional<PulledRuntimes> pulled) {
    this.catalog = catalog;
    this.pulled = pulled;
  }

  /** The built-in runtimes only. */
  public static Runtimes builtIn(RuntimeCatalog catalog) {
    return new Runtimes(catalog, Optional.empty());
  }

  /**
   * The runtime called {@code name} (or alias), built-in or pulled. Throws {@link
   * RuntimeNotReadyException} for a pulled runtime whose first pull has not finished or failed.
   */
  public Optional<RuntimeDefinition> find(String name) {
    Optional<RuntimeDefinition> builtIn = catalog.find(name);
    if (builtIn.isPresent()) {
      return builtIn;
    }
    return pulled.flatMap(p -> p.find(name));
  }

  /** Like {@link #find}, but throws {@link UnknownRuntimeException} listing what exists. */
  public RuntimeDefinition resolve(String name) {
    return find(name).orElseThrow(() -> new UnknownRuntimeException(name, names()));
  }

  /** The built-in runtimes, then the pulled ones chambers can use now. */
  public List<RuntimeDefinition> runtimes() {
    List<RuntimeDefinition> all = new ArrayList<>(catalog.runtimes());
    pulled.ifPresent(p -> p.statuses().forEach(status -> status.runtime().ifPresent(all::add)));
    return all;
  }

  /** Alias to runtime name (only built-in runtimes have aliases). */
  public Map<String, String> aliases() {
    return catalog.aliases();
  }

  /** Every accepted name: built-in runtimes, aliases, then pulled runtimes. */
  public List<String> names() {
    List<String> names = new ArrayList<>(catalog.names());
    pulled.ifPresent(p -> p.statuses().forEach(status -> names.add(status.name())));
    return names;
  }

  public RuntimeCatalog catalog() {
    return catalog;
  }

  /** The pulled runtimes; empty for a daemon without a layer store (unit tests). */
  public Optional<PulledRuntimes> pulled() {
    return pulled;
  }
}
