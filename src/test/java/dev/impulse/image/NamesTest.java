package dev.impulse.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {
  @ParameterizedTest
  @ValueSource(strings = {"sampleapp", "1.0.0", "a", "my_app-2", "v1.2.3-rc.1", "0"})
  void acceptsLowercaseNamesOfLettersDigitsDotsDashesAndUnderscores(String name) {
    assertThat(Names.require("app", name)).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../x",
        "..",
        ".",
        "a/b",
        "",
        "-a",
        ".hidden",
        "_a",
        "App",
        "caf\u00e9",
        "a b",
        "a\u0000b",
        "a:b",
        "a,b"
      })
  void refusesNamesThatCouldMisbehaveOnTheFileSystem(String name) {
    assertThatThrownBy(() -> Names.require("app", name))
        .isInstanceOf(InvalidNameException.class)
        .hasMessageContaining("is not a valid name")
        .hasMessageContaining("1 to 63 characters");
  }

  @Test
  void refusesNamesLongerThan63Characters() {
    assertThat(Names.require("version", "a".repeat(63))).hasSize(63);
    assertThatThrownBy(() -> Names.require("version", "a".repeat(64)))
        .isInstanceOf(InvalidNameException.class)
        .hasMessageStartingWith("version 'aaaa");
  }

  @Test
  void aMissingNameIsNamedAsMissing() {
    assertThatThrownBy(() -> Names.require("app", null)).hasMessageContaining("app (missing)");
  }
}
