package dev.impulse.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegistrySettingsTest {
  private final RegistrySettings defaults = RegistrySettings.defaults();

  @Test
  void loopbackRegistriesUsePlainHttpAndAllOthersHttps() {
    assertThat(defaults.scheme("localhost:5000")).isEqualTo("http");
    assertThat(defaults.scheme("127.0.0.1:5000")).isEqualTo("http");
    assertThat(defaults.scheme("127.1.2.3")).isEqualTo("http");
    assertThat(defaults.scheme("[::1]:5000")).isEqualTo("http");
    assertThat(defaults.scheme("registry.example.com")).isEqualTo("https");
    assertThat(defaults.scheme("10.0.0.1:5000")).isEqualTo("https");
    assertThat(defaults.scheme("localhost.example.com")).isEqualTo("https");
    assertThat(defaults.scheme("127.example.com")).isEqualTo("https");
  }

  @Test
  void anInsecureRegistryWithAPortCoversThatPortAndOneWithoutEveryPort() {
    RegistrySettings settings =
        defaults.withInsecureRegistries(Set.of("Build.Example:5000", "lab.example"));
    assertThat(settings.scheme("build.example:5000")).isEqualTo("http");
    assertThat(settings.scheme("build.example:5001")).isEqualTo("https");
    assertThat(settings.scheme("build.example")).isEqualTo("https");
    assertThat(settings.scheme("lab.example:8080")).isEqualTo("http");
    assertThat(settings.allows(URI.create("http://lab.example:9/x"))).isTrue();
    assertThat(settings.allows(URI.create("http://other.example/x"))).isFalse();
    assertThat(settings.allows(URI.create("https://other.example/x"))).isTrue();
    assertThat(settings.allows(URI.create("ftp://lab.example/x"))).isFalse();
  }

  @Test
  void credentialsAreFoundByRegistryAndThePasswordIsNeverShown() {
    RegistrySettings settings =
        defaults.withCredentials(
            Map.of("Registry.Example.com", new RegistryCredentials("ci", "s3cret-pass")));
    assertThat(settings.credentialsFor("registry.example.com")).isPresent();
    assertThat(settings.credentialsFor("other.example.com")).isEmpty();
    assertThat(settings.toString()).contains("ci").doesNotContain("s3cret-pass");
  }

  @Test
  void invalidSettingsAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> defaults.withInsecureRegistries(Set.of("http://x.example")))
        .hasMessageContaining("insecure registry 'http://x.example'");
    assertThatThrownBy(() -> defaults.withTimeouts(Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("connectTimeout");
    assertThatThrownBy(() -> defaults.withBounds(1, 1, 1, 0)).hasMessageContaining("maxLayers");
    assertThatThrownBy(() -> new RegistryCredentials("a:b", "p")).hasMessageContaining("':'");
    assertThatThrownBy(() -> new RegistryCredentials("a", "p\n"))
        .hasMessageContaining("control characters")
        .hasMessageNotContaining("p\n");
  }

  @Test
  void theDefaultBoundsAreTheDocumentedOnes() {
    assertThat(defaults.maxManifestBytes()).isEqualTo(4 << 20);
    assertThat(defaults.maxConfigBytes()).isEqualTo(8 << 20);
    assertThat(defaults.maxTokenBytes()).isEqualTo(1 << 20);
    assertThat(defaults.maxLayers()).isEqualTo(128);
  }

  @Test
  void aRegistryOnThePublicNetworkCannotSendTheClientToInternalAddressesOrDownToPlainHttp() {
    RegistrySettings settings = RegistrySettings.defaults();
    java.net.URI publicRegistry = java.net.URI.create("https://203.0.113.5/");
    assertThat(settings.allowsHop(publicRegistry, java.net.URI.create("https://203.0.113.9/t")))
        .isTrue();
    for (String internal :
        new String[] {
          "http://127.0.0.1:9/admin",
          "https://127.0.0.1/",
          "https://10.1.2.3/",
          "https://192.168.0.1/",
          "https://169.254.169.254/latest/meta-data",
          "https://[::1]/",
          "https://[fd00::1]/",
          "https://100.64.0.1/",
          "https://0.0.0.0/"
        }) {
      assertThat(settings.allowsHop(publicRegistry, java.net.URI.create(internal)))
          .as(internal)
          .isFalse();
    }
    java.net.URI loopbackRegistry = java.net.URI.create("http://127.0.0.1:5000/");
    assertThat(settings.allowsHop(loopbackRegistry, java.net.URI.create("http://127.0.0.2:6000/")))
        .as("a registry on this host may send the client to this host")
        .isTrue();
    assertThat(
            RegistrySettings.defaults()
                .withInsecureRegistries(java.util.Set.of("203.0.113.5"))
                .allowsHop(
                    java.net.URI.create("http://203.0.113.5/"),
                    java.net.URI.create("http://203.0.113.5:8080/")))
        .isTrue();
    assertThat(settings.allowsHop(publicRegistry, java.net.URI.create("http://203.0.113.9/")))
        .as("never from HTTPS down to plain HTTP")
        .isFalse();
  }
}
