package dev.impulse.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RouteTest {
  @Test
  void theFirstSegmentNamesTheAppAndTheRestIsThePath() {
    assertThat(Route.of("/shop/cart/items")).isEqualTo(new Route("shop", "/cart/items"));
    assertThat(Route.of("/shop/x?y")).isEqualTo(new Route("shop", "/x?y"));
  }

  @Test
  void anAppAloneGetsTheRootPath() {
    assertThat(Route.of("/shop")).isEqualTo(new Route("shop", "/"));
    assertThat(Route.of("/shop/")).isEqualTo(new Route("shop", "/"));
  }

  @Test
  void thePathStaysEncodedAsItArrived() {
    assertThat(Route.of("/shop/a%20b/%2F")).isEqualTo(new Route("shop", "/a%20b/%2F"));
    assertThat(Route.of("/shop//double")).isEqualTo(new Route("shop", "//double"));
  }

  @Test
  void appNamesMayHoldDigitsDotsDashesAndUnderscores() {
    assertThat(Route.of("/my-app_2.0/x")).isEqualTo(new Route("my-app_2.0", "/x"));
    assertThat(Route.of("/" + "a".repeat(63))).isEqualTo(new Route("a".repeat(63), "/"));
  }

  @Test
  void aFirstSegmentThatCannotNameAnAppHasNoRoute() {
    assertThat(Route.of("/")).isNull();
    assertThat(Route.of("//shop")).isNull();
    assertThat(Route.of("/Shop/x")).isNull();
    assertThat(Route.of("/../etc")).isNull();
    assertThat(Route.of("/.hidden")).isNull();
    assertThat(Route.of("/-dash")).isNull();
    assertThat(Route.of("/sh%6Fp/x")).isNull();
    assertThat(Route.of("/caf\u00e9")).isNull();
    assertThat(Route.of("/" + "a".repeat(64))).isNull();
  }

  @Test
  void aPathNotStartingWithASlashHasNoRoute() {
    assertThat(Route.of("shop/x")).isNull();
    assertThat(Route.of("")).isNull();
    assertThat(Route.of(null)).isNull();
    assertThat(Route.of("*")).isNull();
  }
}
