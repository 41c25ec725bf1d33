package dev.impulse.oci.registry;

import java.util.List;
import java.util.OptionalInt;

/**
 * A registry refused, failed or answered something impulse does not take. The {@link Kind} says
 * which, for the caller to map (the API to a status, a retry policy to a retry); the message names
 * the registry, the repository and the reference or blob, the HTTP status and the registry's own
 * error when it sent one, and what to do. It never holds credentials or tokens. Local I/O failures
 * (reading a file to push, a full disk) are {@link java.io.IOException}s instead.
 */
public final class RegistryException extends RuntimeException {
  /** What went wrong, by what a caller would do about it. */
  public enum Kind {
    /** The repository, tag, manifest or blob does not exist (HTTP 404). */
    NOT_FOUND,
    /** Authentication is needed or the credentials were refused (HTTP 401). */
    UNAUTHORIZED,
    /** Authenticated, but not allowed to do this (HTTP 403). */
    DENIED,
    /** Content is not what its digest or size says: corrupt in the registry or on the way. */
    DIGEST_MISMATCH,
    /** Content over one of the settings' bounds, or refused by the registry as too large. */
    TOO_LARGE,
    /**
     * Something impulse does not take: schema 1 manifests, unknown media types, images for another
     * platform, zstd layers, layers the store refuses as unsafe.
     */
    UNSUPPORTED,
    /** The registry cannot be reached, timed out, failed (5xx) or limits the rate (429). */
    UNREACHABLE,
    /** The registry broke the distribution or image spec: an invalid answer or status. */
    PROTOCOL
  }

  private final Kind kind;
  private final String registry;
  private final String repository;
  private final int status;

  /**
   * A failure about {@code subject} ({@code "manifest 1.0"}, {@code "blob sha256:..."}) of the
   * repository {@code ref} names; {@code status} is -1 without an HTTP answer.
   */
  RegistryException(
      Kind kind,
      ImageReference ref,
      String subject,
      String problem,
      int status,
      List<String> registryErrors,
      String remedy,
      Throwable cause) {
    super(message(ref, subject, problem, status, registryErrors, remedy), cause);
    this.kind = kind;
    this.registry = ref.registry();
    this.repository = ref.repository();
    this.status = status;
  }

  RegistryException(Kind kind, ImageReference ref, String subject, String problem, String remedy) {
    this(kind, ref, subject, problem, -1, List.of(), remedy, null);
  }

  RegistryException(
      Kind kind,
      ImageReference ref,
      String subject,
      String problem,
      String remedy,
      Throwable cause) {
    this(kind, ref, subject, problem, -1, List.of(), remedy, cause);
  }

  public Kind kind() {
    return kind;
  }

  /** The registry, {@code host[:port]}. */
  public String registry() {
    return registry;
  }

  public String repository() {
    return repository;
  }

  /** The HTTP status of the answer that failed, if there was one. */
  public OptionalInt status() {
    return status < 0 ? OptionalInt.empty() : OptionalInt.of(status);
  }

  private static String message(
      ImageReference ref,
      String subject,
      String problem,
      int status,
      List<String> registryErrors,
      String remedy) {
    StringBuilder text =
        new StringBuilder("registry ")
            .append(ref.registry())
            .append(", repository ")
            .append(ref.repository())
            .append(", ")
            .append(subject)
            .append(": ")
            .append(problem);
    if (status >= 0) {
      text.append(" (HTTP ").append(status).append(')');
    }
    if (!registryErrors.isEmpty()) {
      text.append("; the registry says: ").append(String.join("; ", registryErrors));
    }
    if (!remedy.isEmpty()) {
      text.append("; ").append(remedy);
    }
    return text.toString();
  }
}
