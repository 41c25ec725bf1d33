package dev.impulse.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {
  @Test
  void aBearerChallengeKeepsCommasInsideQuotedValues() {
    List<AuthChallenge> challenges =
        AuthChallenge.parse(
            "Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\","
                + "scope=\"repository:team/app:pull,push\"");
    assertThat(challenges).hasSize(1);
    AuthChallenge bearer = challenges.getFirst();
    assertThat(bearer.is("bearer")).isTrue();
    assertThat(bearer.params())
        .isEqualTo(
            Map.of(
                "realm", "https://auth.example.com/token",
                "service", "registry.example.com",
                "scope", "repository:team/app:pull,push"));
  }

  @Test
  void parameterNamesAreCaseInsensitiveAndSpacesAroundSeparatorsAreAllowed() {
    AuthChallenge c = AuthChallenge.parse("BEARER  Realm = \"r\" ,  Service=s").getFirst();
    assertThat(c.is("Bearer")).isTrue();
    assertThat(c.param("realm")).contains("r");
    assertThat(c.param("service")).contains("s");
  }

  @Test
  void severalChallengesInOneHeaderAreSplitAtTheNextScheme() {
    List<AuthChallenge> challenges =
        AuthChallenge.parse("Basic realm=\"a, b\", Bearer realm=\"https://t\", scope=\"x\"");
    assertThat(challenges).extracting(AuthChallenge::scheme).containsExactly("Basic", "Bearer");
    assertThat(challenges.get(0).params()).isEqualTo(Map.of("realm", "a, b"));
    assertThat(challenges.get(1).params()).isEqualTo(Map.of("realm", "https://t", "scope", "x"));
  }

  @Test
  void escapedQuotesAndBackslashesAreUnescaped() {
    AuthChallenge c = AuthChallenge.parse("Basic realm=\"say \\\"hi\\\" \\\\ now\"").getFirst();
    assertThat(c.param("realm")).contains("say \"hi\" \\ now");
  }

  @Test
  void aSchemeAloneAndToken68AreTaken() {
    assertThat(AuthChallenge.parse("Basic").getFirst().params()).isEmpty();
    List<AuthChallenge> challenges = AuthChallenge.parse("Negotiate abc==, Basic realm=x");
    assertThat(challenges).extracting(AuthChallenge::scheme).containsExactly("Negotiate", "Basic");
  }

  @Test
  void anUnquotedUrlIsReadLeniently() {
    assertThat(
            AuthChallenge.parse("Bearer realm=https://t.example/token,service=r")
                .getFirst()
                .params())
        .isEqualTo(Map.of("realm", "https://t.example/token", "service", "r"));
  }

  @Test
  void malformedHeadersAreRefusedSayingWhere() {
    assertThatThrownBy(() -> AuthChallenge.parse("Bearer realm=\"unterminated"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("closing '\"'");
    assertThatThrownBy(() -> AuthChallenge.parse("Bearer realm=\"a\" junk\"x\""))
        .hasMessageContaining("expected");
    assertThatThrownBy(() -> AuthChallenge.parse("=x")).hasMessageContaining("scheme");
  }

  @Test
  void anEmptyHeaderHasNoChallenges() {
    assertThat(AuthChallenge.parse("")).isEmpty();
    assertThat(AuthChallenge.parse(" , ")).isEmpty();
  }
}
