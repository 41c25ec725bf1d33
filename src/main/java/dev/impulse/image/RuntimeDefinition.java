package dev.impulse.image;

import dev.impulse.linux.RootedDir;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A language runtime chambers can use, and the recipe of its baseimage.
 *
 * @param name the runtime's name ({@code python3.11})
 * @param language the language of its guests and wrapper
 * @param suite the Debian release its root file system is built from ({@code bookworm})
 * @param interpreter the interpreter inside that file system ({@code /usr/bin/python3.11}); none
 *     for {@link Language#BINARY}, whose guest runs itself
 * @param packages the Debian packages installed on top of the essential set
 * @param image for a runtime pulled from a registry, its image; then {@code suite} is empty and
 *     {@code packages} too, as no recipe builds it
 */
public record RuntimeDefinition(
    String name,
    Language language,
    String suite,
    Optional<String> interpreter,
    List<String> packages,
    Optional<RuntimeImage> image) {
  public RuntimeDefinition {
    Names.require("runtime", name);
    packages = List.copyOf(packages);
    if (interpreter.isEmpty() && language != Language.BINARY) {
      throw new IllegalArgumentException("runtime " + name + " needs its interpreter");
    }
    if (image.isPresent() && (!suite.isEmpty() || !packages.isEmpty())) {
      throw new IllegalArgumentException("runtime " + name + " is an image: it has no recipe");
    }
  }

  /** A runtime built from Debian {@code suite} with {@code packages} by mmdebstrap. */
  public RuntimeDefinition(
      String name,
      Language language,
      String suite,
      Optional<String> interpreter,
      List<String> packages) {
    this(name, language, suite, interpreter, packages, Optional.empty());
  }

  /** A runtime pulled from a registry. */
  public static RuntimeDefinition pulled(
      String name, Language language, Optional<String> interpreter, RuntimeImage image) {
    return new RuntimeDefinition(name, language, "", interpreter, List.of(), Optional.of(image));
  }

  /**
   * The environment the runtime's root file system expects: a pulled image's config {@code Env}
   * (names before the first {@code =}; entries without one are left out, and so are {@code HOME},
   * which is the chamber's writable {@code /tmp}, and the wrapper's {@code SKYHOOK_*}), none for a
   * Debian baseimage.
   */
  public java.util.Map<String, String> environment() {
    java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
    image.ifPresent(i ->
        i.env()
            .forEach(entry -> {
              int eq = entry.indexOf('=');
              String name = eq > 0 ? entry.substring(0, eq) : "";
              if (eq > 0 && !name.startsWith("SKYHOOK_") && !name.equals("HOME")) {
                env.put(name, entry.substring(eq + 1));
              }
            }));
    return env;
  }

  /**
   * Checks that {@code function} is a guest of this runtime's language; throws {@link
   * GuestMismatchException} saying what it lacks. A few system calls, through a rooted directory.
   */
  public void requireGuest(StoredFunction function) {
    Path guest = function.layer().resolve(FunctionStore.GUEST_DIR.substring(1));
    boolean fits;
    try (RootedDir root = RootedDir.open(guest)) {
      fits = language.isGuest(root, "");
    }
    if (!fits) {
      throw new GuestMismatchException(
          "function "
              + function.ref()
              + " cannot run on "
              + name
              + ": a "
              + language.guestShape()
              + ". Upload it in that shape, or pick the runtime of its language (GET /runtimes)");
    }
  }

  /** The chamber's command: the language's wrapper, or a binary guest itself. */
  public List<String> command() {
    return language.command(interpreter);
  }

  /** The command of a chamber of {@code memoryBytes} and {@code cpus} ({@link Language}). */
  public List<String> command(long memoryBytes, double cpus) {
    return language.command(interpreter, memoryBytes, cpus);
  }
}
