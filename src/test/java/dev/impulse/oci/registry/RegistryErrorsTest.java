package dev.impulse.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.impulse.oci.registry.RegistryException.Kind;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegistryErrorsTest {
  private static List<String> parse(String body) {
    return RegistryErrors.parse(body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theSpecsErrorBodyIsReadAsCodeAndMessage() {
    assertThat(
            parse(
                "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"requested access to the resource"
                    + " is denied\",\"detail\":{}},{\"code\":\"X\"}]}"))
        .containsExactly("DENIED: requested access to the resource is denied", "X");
  }

  @Test
  void aBodyThatIsNotTheSpecsErrorsGivesNone() {
    assertThat(parse("<html>Bad gateway</html>")).isEmpty();
    assertThat(parse("{\"message\":\"x\"}")).isEmpty();
    assertThat(parse("")).isEmpty();
  }

  @Test
  void registryTextIsMadeSafeForLogsAndCutShort() {
    String hostile =
        "{\"errors\":[{\"code\":\"X\",\"message\":\"line\\nforged " + "y".repeat(1000) + "\"}]}";
    String error = parse(hostile).getFirst();
    assertThat(error).doesNotContain("\n").startsWith("X: line?forged").endsWith("...");
    assertThat(error.length()).isLessThan(Sanitize.MAX_LENGTH + 10);
    String many =
        "{\"errors\":["
            + String.join(",", java.util.Collections.nCopies(50, "{\"code\":\"X\"}"))
            + "]}";
    assertThat(parse(many)).hasSize(5);
  }

  @Test
  void theRegistrysCodeDecidesTheKindBeforeTheStatus() {
    assertThat(RegistryErrors.kind(400, List.of("DIGEST_INVALID: bad")))
        .isEqualTo(Kind.DIGEST_MISMATCH);
    assertThat(RegistryErrors.kind(401, List.of("UNAUTHORIZED: x"))).isEqualTo(Kind.UNAUTHORIZED);
    assertThat(RegistryErrors.kind(404, List.of("NAME_UNKNOWN: x"))).isEqualTo(Kind.NOT_FOUND);
    assertThat(RegistryErrors.kind(429, List.of("TOOMANYREQUESTS"))).isEqualTo(Kind.UNREACHABLE);
    assertThat(RegistryErrors.kind(403, List.of())).isEqualTo(Kind.DENIED);
    assertThat(RegistryErrors.kind(413, List.of())).isEqualTo(Kind.TOO_LARGE);
    assertThat(RegistryErrors.kind(502, List.of())).isEqualTo(Kind.UNREACHABLE);
    assertThat(RegistryErrors.kind(418, List.of("SOMETHING: else"))).isEqualTo(Kind.PROTOCOL);
  }

  @Test
  void theRemedyFitsTheKindAndTheRegistry() {
    ImageReference https = ImageReference.parse("registry.example.com/team/app:1");
    RegistrySettings settings = RegistrySettings.defaults();
    assertThat(RegistryErrors.remedy(Kind.NOT_FOUND, https, "manifest 1", settings))
        .isEqualTo(
            "check that the repository and the tag exist: skopeo list-tags"
                + " docker://registry.example.com/team/app");
    assertThat(RegistryErrors.remedy(Kind.NOT_FOUND, https, "blob sha256:x", settings))
        .contains("push the image again");
    assertThat(RegistryErrors.remedy(Kind.DENIED, https, "manifest 1", settings))
        .contains("configure credentials for registry registry.example.com");
    assertThat(RegistryErrors.remedy(Kind.UNREACHABLE, https, "manifest 1", settings))
        .contains("serves HTTPS");
  }

  @Test
  void theMessageNamesRegistryRepositorySubjectStatusTheRegistrysErrorAndTheRemedy() {
    ImageReference ref = ImageReference.parse("registry.example.com/team/app:1");
    RegistryException e =
        RegistryErrors.failure(
            ref,
            "manifest 1",
            "GET manifest",
            403,
            List.of("DENIED: no"),
            RegistrySettings.defaults());
    assertThat(e.kind()).isEqualTo(Kind.DENIED);
    assertThat(e)
        .hasMessage(
            "registry registry.example.com, repository team/app, manifest 1: GET manifest was"
                + " refused (HTTP 403); the registry says: DENIED: no; configure credentials for"
                + " registry registry.example.com that may access repository team/app");
  }
}
