package dev.impulse.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.impulse.oci.Digest;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {
  private static final String HEX = "a".repeat(64);

  @Test
  void aReferenceWithATagNamesRegistryRepositoryAndTag() {
    ImageReference ref = ImageReference.parse("registry.example.com/team/app:1.0");
    assertThat(ref.registry()).isEqualTo("registry.example.com");
    assertThat(ref.repository()).isEqualTo("team/app");
    assertThat(ref.tag()).contains("1.0");
    assertThat(ref.digest()).isEmpty();
    assertThat(ref.pullReference()).isEqualTo("1.0");
    assertThat(ref).hasToString("registry.example.com/team/app:1.0");
  }

  @Test
  void withoutTagOrDigestTheTagIsLatest() {
    ImageReference ref = ImageReference.parse("localhost/app");
    assertThat(ref.tag()).contains("latest");
    assertThat(ref).hasToString("localhost/app:latest");
  }

  @Test
  void aRegistryWithAPortIsNotATag() {
    ImageReference ref = ImageReference.parse("127.0.0.1:5000/app");
    assertThat(ref.registry()).isEqualTo("127.0.0.1:5000");
    assertThat(ref.repository()).isEqualTo("app");
    assertThat(ref.tag()).contains("latest");
  }

  @Test
  void aDigestPinsTheImageAndIsWhatAPullAsksFor() {
    ImageReference ref = ImageReference.parse("localhost:5000/a/b/c@sha256:" + HEX);
    assertThat(ref.tag()).isEmpty();
    assertThat(ref.digest()).contains(new Digest(HEX));
    assertThat(ref.pullReference()).isEqualTo("sha256:" + HEX);
    assertThat(ref.pushReference()).isEqualTo("sha256:" + HEX);
    assertThat(ref).hasToString("localhost:5000/a/b/c@sha256:" + HEX);
  }

  @Test
  void aTagAndADigestAreBothKeptAndThePullUsesTheDigest() {
    ImageReference ref = ImageReference.parse("r.example/app:1.0@sha256:" + HEX);
    assertThat(ref.tag()).contains("1.0");
    assertThat(ref.pullReference()).isEqualTo("sha256:" + HEX);
    assertThat(ref.pushReference()).isEqualTo("1.0");
    assertThat(ImageReference.parse(ref.toString())).isEqualTo(ref);
  }

  @Test
  void theRegistryIsLowercasedAndIpv6RegistriesAreTaken() {
    assertThat(ImageReference.parse("Registry.Example.COM/app:x").registry())
        .isEqualTo("registry.example.com");
    ImageReference v6 = ImageReference.parse("[::1]:5000/app:1");
    assertThat(v6.registry()).isEqualTo("[::1]:5000");
    assertThat(v6.repository()).isEqualTo("app");
  }

  @Test
  void repositoriesTakeTheSpecsSeparators() {
    assertThat(ImageReference.parse("r.example/a.b_c__d--e/f-g:t").repository())
        .isEqualTo("a.b_c__d--e/f-g");
  }

  @Test
  void withDigestPinsAndKeepsTheTag() {
    Digest digest = new Digest(HEX);
    ImageReference pinned = ImageReference.parse("r.example/app:1").withDigest(digest);
    assertThat(pinned.tag()).contains("1");
    assertThat(pinned.digest()).contains(digest);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ubuntu", "ubuntu:22.04", "library/ubuntu:22.04", "team/app:1"})
  void aReferenceWithoutItsRegistryIsRefusedWithTheRemedy(String text) {
    assertThatThrownBy(() -> ImageReference.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not name its registry")
        .hasMessageContaining("registry.example.com/" + text);
  }

  @Test
  void aRegistryAloneIsRefusedForItsMissingRepository() {
    assertThatThrownBy(() -> ImageReference.parse("registry.example.com:5000"))
        .hasMessageContaining("names no repository");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "r.example/App:1",
        "r.example/../etc:1",
        "r.example/a//b",
        "r.example/a/",
        "r.example/-a",
        "r.example/a-",
        "r.example/a..b",
        "r.example/a___b",
        "r.example/%2e%2e/x",
        "r.example/a:",
        "r.example/a:-tag",
        "r.example/a:.tag",
        "r.example/a:t/x",
        "r.example/a@sha256:abc",
        "r.example/a@sha512:abc",
        "r.example/a@",
        "r.example:0/a",
        "r.example:65536/a",
        "r.example:port/a",
        "-r.example/a",
        "r_x.example/a",
        "[::g]:5000/a",
        "::1/a",
        "r.example/a b",
        "r.example/a\n",
        "r.example/a\u00e9",
        "http://r.example/a",
        "",
      })
  void hostileOrMalformedReferencesAreRefused(String text) {
    assertThatThrownBy(() -> ImageReference.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("\n");
  }

  @Test
  void theRefusalSaysWhatIsWrong() {
    assertThatThrownBy(() -> ImageReference.parse("r.example/Team/app"))
        .hasMessageContaining("'Team'")
        .hasMessageContaining("repositories are lowercase");
    assertThatThrownBy(() -> ImageReference.parse("r.example/a:" + "t".repeat(129)))
        .hasMessageContaining("1 to 128");
    assertThatThrownBy(() -> ImageReference.parse("r.example/a@sha512:" + "a".repeat(128)))
        .hasMessageContaining("only 'sha256:'");
    assertThatThrownBy(() -> ImageReference.parse("https://r.example/a"))
        .hasMessageContaining("URL scheme");
  }

  @Test
  void aTagOf128CharactersIsTheLongestTaken() {
    assertThat(ImageReference.parse("r.example/a:" + "t".repeat(128)).tag()).isPresent();
  }

  @Test
  void aRepositoryOver255CharactersIsRefused() {
    String ok = "a/".repeat(127) + "a"; // 255
    assertThat(ImageReference.parse("r.example/" + ok).repository()).hasSize(255);
    assertThatThrownBy(() -> ImageReference.parse("r.example/" + ok + "a"))
        .hasMessageContaining("at most 255");
  }

  @Test
  void aHugeInputIsRefusedBeforeAnyMatching() {
    assertThatThrownBy(() -> ImageReference.parse("r.example/" + "a".repeat(100_000)))
        .hasMessageContaining("too long");
  }

  @Test
  void theConstructorRefusesAReferenceWithNeitherTagNorDigest() {
    assertThatThrownBy(
            () -> new ImageReference("r.example", "app", Optional.empty(), Optional.empty()))
        .hasMessageContaining("needs a tag or a digest");
  }
}
