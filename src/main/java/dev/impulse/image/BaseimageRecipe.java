package dev.impulse.image;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * How a runtime's root file system is built: mmdebstrap's {@code essential} variant of the
 * runtime's Debian suite plus its packages, without documentation, manual pages and translations.
 * The mirror is mmdebstrap's own choice. {@link #digest} changes whenever the recipe does, and
 * names the build, so a changed recipe is rebuilt and an unchanged one never is.
 */
public record BaseimageRecipe(RuntimeDefinition runtime) {
  /** Raise when the meaning of a recipe changes in a way its text does not show. */
  static final int FORMAT = 1;

  static final List<String> EXCLUDED =
      List.of(
          "/usr/share/doc/*",
          "/usr/share/man/*",
          "/usr/share/info/*",
          "/usr/share/locale/*",
          "/usr/share/lintian/*");

  /**
   * Run once the essential set is in: without manual pages, {@code /usr/share/man/man1} does not
   * exist, and postinst scripts that register a tool's page as an alternative's slave link (the
   * JRE's {@code java}) fail.
   */
  static final String ESSENTIAL_HOOK = "mkdir -p \"$1/usr/share/man/man1\"";

  /** The mmdebstrap command line that builds the root file system into {@code target}. */
  public List<String> command(Path mmdebstrap, Path target) {
    List<String> command = new ArrayList<>();
    command.add(mmdebstrap.toString());
    command.add("--variant=essential");
    command.add("--mode=root");
    command.add("--format=directory");
    command.add("--include=" + String.join(",", runtime.packages()));
    for (String path : EXCLUDED) {
      command.add("--dpkgopt=path-exclude=" + path);
    }
    command.add("--essential-hook=" + ESSENTIAL_HOOK);
    command.add(runtime.suite());
    command.add(target.toString());
    return command;
  }

  /** A short digest of everything that shapes the result. */
  public String digest() {
    String text =
        String.join(
            "\n",
            "format=" + FORMAT,
            "suite=" + runtime.suite(),
            "interpreter=" + runtime.interpreter().orElse(""),
            "packages=" + String.join(",", runtime.packages()),
            "excluded=" + String.join(",", EXCLUDED),
            "essential-hook=" + ESSENTIAL_HOOK);
    return sha256(text).substring(0, 12);
  }

  static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
