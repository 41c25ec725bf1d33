package dev.impulse.image;

import java.util.List;

/**
 * A language runtime chambers can use, and the recipe of its baseimage.
 *
 * @param name the runtime's name ({@code python3.11})
 * @param suite the Debian release its root file system is built from ({@code bookworm})
 * @param interpreter the interpreter inside that file system ({@code /usr/bin/python3.11})
 * @param packages the Debian packages installed on top of the essential set
 */
public record RuntimeDefinition(
    String name, String suite, String interpreter, List<String> packages) {
  public RuntimeDefinition {
    Names.require("runtime", name);
    packages = List.copyOf(packages);
  }
}
