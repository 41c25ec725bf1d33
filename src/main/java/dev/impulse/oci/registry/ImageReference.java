package dev.impulse.oci.registry;

import dev.impulse.oci.Digest;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where an image lives: {@code REGISTRY/REPOSITORY[:TAG][@sha256:HEX]}, the distribution spec's
 * reference grammar with the registry always written out. impulse has no default registry: a name
 * such as {@code python:3.11} means a different image on every machine that guesses one, so it is
 * refused with a message saying to name the registry. Only SHA-256 digests are taken ({@link
 * Digest}). Immutable; valid by construction.
 *
 * @param registry {@code host[:port]}, lowercased: a domain name, an IPv4 address or an IPv6
 *     address in brackets
 * @param repository lowercase path components joined by {@code /}, at most 255 characters
 * @param tag the tag, when the reference names one
 * @param digest the manifest's digest, when the reference pins one; a pull by digest checks it
 */
public record ImageReference(
    String registry, String repository, Optional<String> tag, Optional<Digest> digest) {
  /** The tag a reference without tag or digest means. */
  public static final String DEFAULT_TAG = "latest";

  static final int MAX_REPOSITORY_LENGTH = 255;
  private static final int MAX_TEXT_LENGTH = 1024;
  private static final String DOMAIN_COMPONENT =
      "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  private static final Pattern DOMAIN =
      Pattern.compile(DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*");
  private static final Pattern IPV6 = Pattern.compile("\\[[0-9a-fA-F:.]+\\]");
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
  private static final Pattern PATH_COMPONENT =
      Pattern.compile("[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

  public ImageReference {
    if (registry == null || !isRegistry(registry)) {
      throw new IllegalArgumentException(
          "'"
              + registry
              + "' is not a registry: write host[:port], a domain name, an IPv4 address or"
              + " [IPv6], with a port from 1 to 65535");
    }
    registry = registry.toLowerCase(Locale.ROOT);
    checkRepository(repository);
    if (tag == null || digest == null) {
      throw new IllegalArgumentException("tag and digest must be Optional, not null");
    }
    tag.ifPresent(ImageReference::checkTag);
    if (tag.isEmpty() && digest.isEmpty()) {
      throw new IllegalArgumentException(
          "an image reference needs a tag or a digest; "
              + registry
              + "/"
              + repository
              + " has neither");
    }
  }

  /**
   * Parses {@code REGISTRY/REPOSITORY[:TAG][@sha256:HEX]}; without tag or digest the tag is {@value
   * #DEFAULT_TAG}. Throws {@link IllegalArgumentException} saying what is wrong and how to write
   * it.
   */
  public static ImageReference parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException(
          "an image reference is empty; write REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST], as in"
              + " registry.example.com/team/app:1.0");
    }
    if (text.length() > MAX_TEXT_LENGTH) {
      throw new IllegalArgumentException(
          "an image reference of " + text.length() + " characters is too long to be one");
    }
    if (text.contains("://")) {
      throw new IllegalArgumentException(
          "image reference '"
              + text
              + "' has a URL scheme; write REGISTRY/REPOSITORY[:TAG] without it (plain HTTP is for"
              + " loopback and insecure-listed registries, chosen by the settings)");
    }
    if (!text.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
      throw new IllegalArgumentException(
          "image reference '"
              + printable(text)
              + "' holds spaces, control or non-ASCII characters; references have none");
    }
    String rest = text;
    Optional<Digest> digest = Optional.empty();
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = Optional.of(parseDigest(text, rest.substring(at + 1)));
      rest = rest.substring(0, at);
    }
    Optional<String> tag = Optional.empty();
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = Optional.of(rest.substring(colon + 1));
      rest = rest.substring(0, colon);
    }
    int slash = rest.indexOf('/');
    String first = slash < 0 ? rest : rest.substring(0, slash);
    String whole = at >= 0 ? text.substring(0, at) : text;
    if (slash < 0 && looksLikeRegistry(whole)) {
      throw new IllegalArgumentException(
          "image reference '"
              + text
              + "' names no repository; write REGISTRY/REPOSITORY[:TAG], as in "
              + whole
              + "/team/app:1.0");
    }
    if (slash < 0 || !(first.contains(".") || first.contains(":") || first.equals("localhost"))) {
      throw new IllegalArgumentException(
          "image reference '"
              + text
              + "' does not name its registry, and impulse has no default one: write it in full,"
              + " as in registry.example.com/"
              + text
              + " (the first component names the registry when it holds a '.' or a ':' or is"
              + " localhost)");
    }
    if (tag.isEmpty() && digest.isEmpty()) {
      tag = Optional.of(DEFAULT_TAG);
    }
    try {
      return new ImageReference(first, rest.substring(slash + 1), tag, digest);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "image reference '" + text + "' is invalid: " + e.getMessage(), e);
    }
  }

  /** The same image pinned to {@code manifest}, keeping its tag for messages. */
  public ImageReference withDigest(Digest manifest) {
    return new ImageReference(registry, repository, tag, Optional.of(manifest));
  }

  /** What a pull asks the registry for: the digest when there is one, else the tag. */
  public String pullReference() {
    return digest.map(Digest::toString).orElseGet(tag::orElseThrow);
  }

  /** What a push writes: the tag when there is one, else the digest. */
  public String pushReference() {
    return tag.orElseGet(() -> digest.orElseThrow().toString());
  }

  /** {@code registry/repository}, the image's name without tag or digest. */
  public String name() {
    return registry + "/" + repository;
  }

  @Override
  public String toString() {
    return name() + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
  }

  /** Whether {@code text} is {@code host[:port]} as a reference's registry may be. */
  static boolean isRegistry(String text) {
    if (text.isEmpty() || text.length() > 255) {
      return false;
    }
    String host = text;
    int colon = text.lastIndexOf(':');
    if (colon >= 0 && colon > text.lastIndexOf(']')) {
      String port = text.substring(colon + 1);
      if (!PORT.matcher(port).matches()
          || Integer.parseInt(port) < 1
          || Integer.parseInt(port) > 65535) {
        return false;
      }
      host = text.substring(0, colon);
    }
    if (IPV6.matcher(host).matches()) {
      try {
        InetAddress.ofLiteral(host.substring(1, host.length() - 1));
        return true;
      } catch (IllegalArgumentException e) {
        return false;
      }
    }
    return DOMAIN.matcher(host).matches();
  }

  /** Whether a reference without any '/' is a registry alone rather than a name and a tag. */
  private static boolean looksLikeRegistry(String text) {
    if (!isRegistry(text)) {
      return false;
    }
    int colon = text.lastIndexOf(':');
    String host = colon > text.lastIndexOf(']') ? text.substring(0, colon) : text;
    return host.contains(".") || host.startsWith("[") || host.equalsIgnoreCase("localhost");
  }

  private static void checkRepository(String repository) {
    if (repository == null || repository.isEmpty()) {
      throw new IllegalArgumentException(
          "the repository is empty; write REGISTRY/REPOSITORY, as in registry.example.com/team/app");
    }
    if (repository.length() > MAX_REPOSITORY_LENGTH) {
      throw new IllegalArgumentException(
          "the repository has "
              + repository.length()
              + " characters; the distribution spec allows at most "
              + MAX_REPOSITORY_LENGTH);
    }
    for (String component : repository.split("/", -1)) {
      if (!PATH_COMPONENT.matcher(component).matches()) {
        String why =
            component.isEmpty()
                ? "an empty component (a leading, trailing or doubled '/')"
                : "the component '"
                    + component
                    + "', which is not lowercase letters and digits separated by '.', '_', '__'"
                    + " or dashes"
                    + (component.equals(component.toLowerCase(Locale.ROOT))
                        ? ""
                        : " (repositories are lowercase)");
        throw new IllegalArgumentException("repository '" + repository + "' has " + why);
      }
    }
  }

  private static void checkTag(String tag) {
    if (!TAG.matcher(tag).matches()) {
      throw new IllegalArgumentException(
          "tag '"
              + tag
              + "' is not a tag: 1 to 128 letters, digits, '_', '.' and '-', not starting with '.'"
              + " or '-'");
    }
  }

  private static Digest parseDigest(String text, String digest) {
    try {
      return Digest.parse(digest);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "image reference '" + text + "' has an invalid digest: " + e.getMessage(), e);
    }
  }

  private static String printable(String text) {
    StringBuilder out = new StringBuilder();
    text.codePoints().forEach(c -> out.append(c > ' ' && c < 0x7f ? Character.toString(c) : "?"));
    return out.toString();
  }
}
