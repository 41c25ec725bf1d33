package dev.impulse.oci.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.impulse.oci.registry.RegistryException.Kind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a registry's refusal into a {@link RegistryException}: the kind from the registry's error
 * code when it sent a known one (the distribution spec's {@code {"errors":[{"code","message"}]}}),
 * else from the HTTP status; the registry's own words in the message; and a remedy.
 */
final class RegistryErrors {
  /** The most bytes of an error body read: enough for any error the spec describes. */
  static final int MAX_ERROR_BYTES = 64 * 1024;

  private static final int MAX_ERRORS = 5;
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private static final Map<String, Kind> CODES =
      Map.ofEntries(
          Map.entry("NAME_UNKNOWN", Kind.NOT_FOUND),
          Map.entry("MANIFEST_UNKNOWN", Kind.NOT_FOUND),
          Map.entry("BLOB_UNKNOWN", Kind.NOT_FOUND),
          Map.entry("BLOB_UPLOAD_UNKNOWN", Kind.NOT_FOUND),
          Map.entry("MANIFEST_BLOB_UNKNOWN", Kind.NOT_FOUND),
          Map.entry("UNAUTHORIZED", Kind.UNAUTHORIZED),
          Map.entry("DENIED", Kind.DENIED),
          Map.entry("DIGEST_INVALID", Kind.DIGEST_MISMATCH),
          Map.entry("SIZE_INVALID", Kind.DIGEST_MISMATCH),
          Map.entry("TOOMANYREQUESTS", Kind.UNREACHABLE),
          Map.entry("UNSUPPORTED", Kind.UNSUPPORTED));

  private RegistryErrors() {}

  /**
   * The errors of a registry's error body, each as {@code CODE: message}, made safe to show; empty
   * when the body is not the spec's error JSON (an HTML page of a proxy, say).
   */
  static List<String> parse(byte[] body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException notJson) {
      return List.of();
    }
    List<String> errors = new ArrayList<>();
    if (root != null && root.path("errors").isArray()) {
      for (JsonNode error : root.path("errors")) {
        if (errors.size() == MAX_ERRORS) {
          break;
        }
        String code = error.path("code").asText("");
        String message = error.path("message").asText("");
        String text = code.isEmpty() ? message : message.isEmpty() ? code : code + ": " + message;
        if (!text.isEmpty()) {
          errors.add(Sanitize.text(text));
        }
      }
    }
    if (errors.isEmpty() && root != null && root.path("details").isTextual()) {
      errors.add(Sanitize.text(root.path("details").asText())); // token servers' own form
    }
    return errors;
  }

  /** The kind of a refusal with {@code status} and the registry's {@code errors}. */
  static Kind kind(int status, List<String> errors) {
    if (!errors.isEmpty()) {
      String first = errors.getFirst();
      int colon = first.indexOf(':');
      Kind byCode = CODES.get(colon < 0 ? first : first.substring(0, colon));
      if (byCode != null) {
        return byCode;
      }
    }
    return switch (status) {
      case 401 -> Kind.UNAUTHORIZED;
      case 403 -> Kind.DENIED;
      case 404 -> Kind.NOT_FOUND;
      case 413 -> Kind.TOO_LARGE;
      case 429 -> Kind.UNREACHABLE;
      default -> status >= 500 ? Kind.UNREACHABLE : Kind.PROTOCOL;
    };
  }

  /**
   * The exception for a refusal of {@code what} ({@code "GET manifest"}) about {@code subject}
   * ({@code "manifest 1.0"}, {@code "blob sha256:..."}), with the remedy its kind calls for.
   */
  static RegistryException failure(
      ImageReference ref,
      String subject,
      String what,
      int status,
      List<String> errors,
      RegistrySettings settings) {
    Kind kind = kind(status, errors);
    String problem = what + " was refused";
    return new RegistryException(
        kind, ref, subject, problem, status, errors, remedy(kind, ref, subject, settings), null);
  }

  /** What to do about a failure of {@code kind}. */
  static String remedy(Kind kind, ImageReference ref, String subject, RegistrySettings settings) {
    boolean credentials = settings.credentialsFor(ref.registry()).isPresent();
    String tls = settings.scheme(ref.registry()).equals("http") ? "--tls-verify=false " : "";
    return switch (kind) {
      case NOT_FOUND ->
          subject.startsWith("blob")
              ? "the registry lacks a blob the image names: push the image again"
              : "check that the repository and the tag exist: skopeo list-tags "
                  + tls
                  + "docker://"
                  + ref.name();
      case UNAUTHORIZED ->
          credentials
              ? "check the credentials configured for registry " + ref.registry()
              : "impulse asked anonymously: configure credentials for registry " + ref.registry();
      case DENIED ->
          credentials
              ? "the credentials configured for registry "
                  + ref.registry()
                  + " may not do this: check them and the permissions of repository "
                  + ref.repository()
              : "configure credentials for registry "
                  + ref.registry()
                  + " that may access repository "
                  + ref.repository();
      case DIGEST_MISMATCH ->
          "the registry holds or sent corrupt content: pull again, and if it persists ask the"
              + " registry's operator to check it or push the image again";
      case TOO_LARGE -> "impulse takes no image this large";
      case UNSUPPORTED -> "build and push the image as an OCI or Docker schema 2 linux/amd64 image";
      case UNREACHABLE ->
          "check that the registry is up and reachable"
              + (tls.isEmpty()
                  ? " and serves HTTPS (plain HTTP is used only for loopback and insecure-listed"
                      + " registries)"
                  : "")
              + ", then try again";
      case PROTOCOL -> "the registry does not follow the distribution spec: ask its operator";
    };
  }
}
