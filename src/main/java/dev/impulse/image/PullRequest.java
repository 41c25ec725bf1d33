package dev.impulse.image;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a {@code PUT /runtimes/{name}} asks for, validated: a name no built-in runtime or baked
 * image takes, a language, the image's canonical reference and, if given, the interpreter's path.
 * Two puts of equal requests pull once.
 */
record PullRequest(String name, Language language, String image, Optional<String> interpreter) {
  private static final int MAX_INTERPRETER = 4096;

  /** Validates a put; {@code canonicalImage} is the reference as the puller writes it. */
  static PullRequest of(
      String name,
      String language,
      String canonicalImage,
      Optional<String> interpreter,
      Set<String> reserved) {
    Names.require("runtime", name);
    if (name.startsWith(PulledRuntimes.IMAGE_PREFIX)) {
      throw new RuntimeConflictException(
          "runtime names beginning with "
              + PulledRuntimes.IMAGE_PREFIX
              + " belong to chambers started from baked images; pick another name");
    }
    if (reserved.contains(name)) {
      throw new RuntimeConflictException(
          "runtime "
              + name
              + " is built in (from a Debian recipe); pick another name for an image");
    }
    Language lang =
        Language.byId(language)
            .orElseThrow(() ->
                new InvalidRuntimeImageException(
                    "language must be one of python, node, java, binary; was '" + language + "'"));
    interpreter.ifPresent(PullRequest::checkInterpreter);
    return new PullRequest(name, lang, canonicalImage, interpreter);
  }

  private static void checkInterpreter(String interpreter) {
    if (!interpreter.startsWith("/")
        || interpreter.length() > MAX_INTERPRETER
        || List.of(interpreter.split("/")).contains("..")
        || interpreter.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new InvalidRuntimeImageException(
          "interpreter must be an absolute path in the image, without '..' or control characters,"
              + " of at most "
              + MAX_INTERPRETER
              + " bytes; was '"
              + interpreter
              + "'");
    }
  }
}
