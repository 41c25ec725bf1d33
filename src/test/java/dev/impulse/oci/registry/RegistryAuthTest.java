package dev.impulse.oci.registry;

import static dev.impulse.oci.registry.FakeRegistry.answer;
import static dev.impulse.oci.registry.FakeRegistry.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.impulse.oci.MediaTypes;
import dev.impulse.oci.registry.RegistryException.Kind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The 401 flows against a fake registry and token server on 127.0.0.1. */
class RegistryAuthTest {
  private static final String MANIFEST_PATH = "/v2/team/app/manifests/1.0";
  private static final String PASSWORD = "pa55-word-never-shown";

  private final FakeRegistry registry = new FakeRegistry();
  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2030-01-01T00:00:00Z"));
  private final InstantSource clock = () -> now.get();
  private final Set<String> valid = ConcurrentHashMap.newKeySet();
  private final AtomicInteger issued = new AtomicInteger();
  private final ImageReference ref = ImageReference.parse(registry.host() + "/team/app:1.0");
  private final byte[] manifest =
      ManifestsTest.manifest(MediaTypes.OCI_MANIFEST, "").getBytes(StandardCharsets.UTF_8);
  private RegistryClient client;

  @AfterEach
  void tearDown() {
    if (client != null) {
      client.close();
    }
    registry.close();
  }

  private RegistryClient client(RegistrySettings settings) {
    client = new RegistryClient(settings, clock);
    return client;
  }

  private RegistryClient client() {
    return client(RegistrySettings.defaults());
  }

  /** The registry answers the manifest to a valid token, and a Bearer challenge to others. */
  private void bearerRegistry(String realm) {
    registry.on(
        "GET",
        MANIFEST_PATH,
        exchange -> {
          String sent = exchange.getRequestHeaders().getFirst("Authorization");
          if (sent != null && valid.contains(sent)) {
            send(exchange, 200, Map.of("Content-Type", MediaTypes.OCI_MANIFEST), manifest);
          } else {
            send(
                exchange,
                401,
                Map.of(
                    "WWW-Authenticate",
                    "Bearer realm=\""
                        + realm
                        + "\",service=\"fake\",scope=\"repository:team/app:pull\""),
                FakeRegistry.error("UNAUTHORIZED", "authentication required"));
          }
        });
  }

  /** The token server issues t1, t2, ... with {@code body} around them ({@code %s} the token). */
  private void tokenServer(String body) {
    registry.on(
        "GET",
        "/token",
        exchange -> {
          String token = "t" + issued.incrementAndGet();
          valid.add("Bearer " + token);
          send(
              exchange,
              200,
              Map.of("Content-Type", "application/json"),
              body.formatted(token).getBytes(StandardCharsets.UTF_8));
        });
  }

  private long unauthenticatedManifestGets() {
    return registry.seen("GET", MANIFEST_PATH).stream()
        .filter(s -> s.header("Authorization").isEmpty())
        .count();
  }

  @Test
  void aChallengedRequestGetsATokenForItsScopeAndIsRetriedWithIt() throws Exception {
    bearerRegistry(registry.url("/token"));
    tokenServer("{\"token\":\"%s\",\"expires_in\":120}");

    assertThat(client().manifest(ref).mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);

    assertThat(registry.seen())
        .extracting(FakeRegistry.Seen::path)
        .containsExactly(MANIFEST_PATH, "/token", MANIFEST_PATH);
    FakeRegistry.Seen token = registry.seen("GET", "/token").getFirst();
    assertThat(token.query()).contains("service=fake&scope=repository%3Ateam%2Fapp%3Apull");
    assertThat(token.header("Authorization")).isEmpty(); // no credentials configured
    assertThat(registry.seen("GET", MANIFEST_PATH).get(1).header("Authorization"))
        .contains("Bearer t1");
  }

  @Test
  void theTokenIsReusedUntilItExpiresAndThenFetchedAgain() throws Exception {
    bearerRegistry(registry.url("/token"));
    tokenServer("{\"token\":\"%s\",\"expires_in\":120}");
    RegistryClient client = client();

    client.manifest(ref);
    client.manifest(ref);
    assertThat(registry.seen("GET", "/token")).hasSize(1);
    assertThat(unauthenticatedManifestGets()).isEqualTo(1);

    now.set(now.get().plus(Duration.ofSeconds(121)));
    client.manifest(ref);
    assertThat(registry.seen("GET", "/token")).hasSize(2);
    assertThat(unauthenticatedManifestGets()).isEqualTo(2);
    assertThat(registry.seen("GET", MANIFEST_PATH).getLast().header("Authorization"))
        .contains("Bearer t2");
  }

  @Test
  void withoutExpiresInATokenLivesSixtySeconds() throws Exception {
    bearerRegistry(registry.url("/token"));
    tokenServer("{\"access_token\":\"%s\"}");
    RegistryClient client = client();
    client.manifest(ref);
    now.set(now.get().plus(Duration.ofSeconds(59)));
    client.manifest(ref);
    assertThat(registry.seen("GET", "/token")).hasSize(1);
    now.set(now.get().plus(Duration.ofSeconds(2)));
    client.manifest(ref);
    assertThat(registry.seen("GET", "/token")).hasSize(2);
  }

  @Test
  void aCachedTokenTheRegistryRejectsIsReplacedOnce() throws Exception {
    bearerRegistry(registry.url("/token"));
    tokenServer("{\"token\":\"%s\",\"expires_in\":3600}");
    RegistryClient client = client();
    client.manifest(ref);
    valid.clear(); // revoked

    client.manifest(ref);
    assertThat(registry.seen("GET", "/token")).hasSize(2);
    assertThat(registry.seen("GET", MANIFEST_PATH))
        .extracting(s -> s.header("Authorization").orElse("-"))
        .containsExactly("-", "Bearer t1", "Bearer t1", "Bearer t2");
  }

  @Test
  void aRegistryThatRefusesEveryTokenIsUnauthorizedAfterOneRetry() {
    bearerRegistry(registry.url("/token"));
    registry.on("GET", "/token", answer(200, Map.of(), "{\"token\":\"never-valid-token\"}"));

    assertThatThrownBy(() -> client().manifest(ref))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED);
              assertThat(e.status()).hasValue(401);
            })
        .hasMessageContaining("UNAUTHORIZED: authentication required")
        .hasMessageContaining("configure credentials for registry " + registry.host())
        .hasMessageNotContaining("never-valid-token");
    assertThat(registry.seen("GET", MANIFEST_PATH)).hasSize(2);
  }

  @Test
  void credentialsGoToALoopbackTokenServerAsBasicAndNeverToTheRegistry() throws Exception {
    bearerRegistry(registry.url("/token"));
    tokenServer("{\"token\":\"%s\"}");
    client(credentials()).manifest(ref);

    String basic =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(("ci:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    assertThat(registry.seen("GET", "/token").getFirst().header("Authorization")).contains(basic);
    assertThat(registry.seen("GET", MANIFEST_PATH))
        .allSatisfy(
            s -> assertThat(s.header("Authorization").orElse("")).doesNotStartWith("Basic"));
  }

  @Test
  void credentialsAreNeverSentToAPlainHttpRealmThatIsNotLoopbackOrInsecure() {
    bearerRegistry("http://auth.example.com/token");

    assertThatThrownBy(() -> client(credentials()).manifest(ref))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED))
        .hasMessageContaining("http://auth.example.com/token is on plain HTTP")
        .hasMessageContaining("impulse sends nothing there")
        .hasMessageNotContaining(PASSWORD);
    assertThat(registry.seen()).hasSize(1);
  }

  @Test
  void aRealmThatIsNoUrlIsAProtocolError() {
    bearerRegistry("not a url");
    assertThatThrownBy(() -> client().manifest(ref))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.PROTOCOL))
        .hasMessageContaining("token realm");
  }

  @Test
  void aTokenServerRefusalIsUnauthorizedInItsOwnWords() {
    bearerRegistry(registry.url("/token"));
    registry.on(
        "GET", "/token", answer(401, Map.of(), "{\"details\":\"incorrect username or password\"}"));

    assertThatThrownBy(() -> client(credentials()).manifest(ref))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED))
        .hasMessageContaining("refused a token")
        .hasMessageContaining("incorrect username or password")
        .hasMessageContaining("check the credentials configured for registry")
        .hasMessageNotContaining(PASSWORD);
  }

  @Test
  void aTokenAnswerOverItsBoundIsTooLarge() {
    bearerRegistry(registry.url("/token"));
    registry.on("GET", "/token", answer(200, Map.of(), "{\"token\":\"" + "x".repeat(500) + "\"}"));
    RegistrySettings small = RegistrySettings.defaults().withBounds(4 << 20, 8 << 20, 100, 128);
    assertThatThrownBy(() -> client(small).manifest(ref))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.TOO_LARGE));
  }

  @Test
  void anAnswerWithoutATokenIsAProtocolError() {
    bearerRegistry(registry.url("/token"));
    registry.on("GET", "/token", answer(200, Map.of(), "{\"token\":\"has space\"}"));
    assertThatThrownBy(() -> client().manifest(ref))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.PROTOCOL))
        .hasMessageContaining("no usable token")
        .hasMessageNotContaining("has space");
  }

  @Test
  void aBasicChallengeIsAnsweredWithTheConfiguredCredentials() throws Exception {
    String basic =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(("ci:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    valid.add(basic);
    registry.on(
        "GET",
        MANIFEST_PATH,
        exchange -> {
          if (basic.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            send(exchange, 200, Map.of("Content-Type", MediaTypes.OCI_MANIFEST), manifest);
          } else {
            send(exchange, 401, Map.of("WWW-Authenticate", "Basic realm=\"fake\""), new byte[0]);
          }
        });
    RegistryClient client = client(credentials());
    client.manifest(ref);
    client.manifest(ref);
    assertThat(registry.seen("GET", MANIFEST_PATH))
        .extracting(s -> s.header("Authorization").isPresent())
        .containsExactly(false, true, true);

    assertThatThrownBy(() -> client(RegistrySettings.defaults()).manifest(ref))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED))
        .hasMessageContaining("asks for Basic credentials")
        .hasMessageContaining("configure credentials for registry " + registry.host());
  }

  @Test
  void refusedBasicCredentialsAreUnauthorizedWithoutShowingThem() {
    registry.on(
        "GET",
        MANIFEST_PATH,
        answer(401, Map.of("WWW-Authenticate", "Basic realm=\"fake\""), new byte[0]));
    assertThatThrownBy(() -> client(credentials()).manifest(ref))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED))
        .hasMessageContaining("HTTP 401")
        .hasMessageContaining("check the credentials configured for registry " + registry.host())
        .hasMessageNotContaining(PASSWORD);
    assertThat(registry.seen("GET", MANIFEST_PATH)).hasSize(2);
  }

  @Test
  void anUnknownSchemeIsUnauthorizedNamingIt() {
    registry.on(
        "GET", MANIFEST_PATH, answer(401, Map.of("WWW-Authenticate", "Negotiate"), new byte[0]));
    assertThatThrownBy(() -> client().manifest(ref))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED))
        .hasMessageContaining("(Negotiate; impulse speaks Bearer and Basic)");
  }

  private RegistrySettings credentials() {
    return RegistrySettings.defaults()
        .withCredentials(Map.of(registry.host(), new RegistryCredentials("ci", PASSWORD)));
  }
}
