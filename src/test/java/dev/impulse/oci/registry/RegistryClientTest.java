package dev.impulse.oci.registry;

import static dev.impulse.oci.registry.FakeRegistry.answer;
import static dev.impulse.oci.registry.FakeRegistry.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.impulse.oci.Descriptor;
import dev.impulse.oci.Digest;
import dev.impulse.oci.MediaTypes;
import dev.impulse.oci.registry.RegistryException.Kind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Manifests, blobs, redirects, pushes and refusals against a fake registry on 127.0.0.1. */
class RegistryClientTest {
  private final FakeRegistry registry = new FakeRegistry();
  private final ImageReference ref = ImageReference.parse(registry.host() + "/team/app:1.0");
  private final byte[] manifest =
      ManifestsTest.manifest(MediaTypes.OCI_MANIFEST, ManifestsTest.layer(ManifestsTest.B, 5))
          .getBytes(StandardCharsets.UTF_8);
  private final byte[] blob = "hello".getBytes(StandardCharsets.UTF_8);
  private final Descriptor blobDescriptor =
      new Descriptor(MediaTypes.OCI_CONFIG, Digest.of(blob), blob.length);
  private final String blobPath = "/v2/team/app/blobs/" + Digest.of(blob);
  private RegistryClient client = new RegistryClient(RegistrySettings.defaults());

  @AfterEach
  void tearDown() {
    client.close();
    registry.close();
  }

  private static RegistryException.Kind kindOf(Throwable e) {
    return ((RegistryException) e).kind();
  }

  @Test
  void aMissingTagIsNotFoundAndTheMessageNamesAllThereIsAndWhatToDo() {
    registry.on(
        "GET",
        "/v2/team/app/manifests/1.0",
        answer(404, Map.of(), FakeRegistry.error("MANIFEST_UNKNOWN", "manifest unknown")));
    assertThatThrownBy(() -> client.manifest(ref))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND);
              assertThat(e.status()).hasValue(404);
              assertThat(e.registry()).isEqualTo(registry.host());
              assertThat(e.repository()).isEqualTo("team/app");
            })
        .hasMessage(
            "registry %s, repository team/app, manifest 1.0: GET manifest was refused (HTTP 404); the"
                + " registry says: MANIFEST_UNKNOWN: manifest unknown; check that the repository and the"
                + " tag exist: skopeo list-tags --tls-verify=false docker://%s/team/app",
            registry.host(), registry.host());
  }

  @Test
  void theManifestAskedForIsAcceptedInEveryTypeImpulseReads() throws Exception {
    registry.on(
        "GET",
        "/v2/team/app/manifests/1.0",
        answer(200, Map.of("Content-Type", MediaTypes.OCI_MANIFEST), manifest));
    ImageManifest got = client.manifest(ref);
    assertThat(got.digest()).isEqualTo(Digest.of(manifest));
    assertThat(got.raw()).isEqualTo(manifest);
    assertThat(got.layers()).hasSize(1);
    String accept = registry.seen().getFirst().header("Accept").orElseThrow();
    assertThat(accept)
        .contains(
            MediaTypes.OCI_MANIFEST,
            MediaTypes.OCI_INDEX,
            MediaTypes.DOCKER_MANIFEST,
            MediaTypes.DOCKER_MANIFEST_LIST);
  }

  @Test
  void aManifestWhoseDockerContentDigestDiffersIsAMismatch() {
    registry.on(
        "GET",
        "/v2/team/app/manifests/1.0",
        answer(200, Map.of("Docker-Content-Digest", "sha256:" + "0".repeat(64)), manifest));
    assertThatThrownBy(() -> client.manifest(ref))
        .satisfies(e -> assertThat(kindOf(e)).isEqualTo(Kind.DIGEST_MISMATCH))
        .hasMessageContaining("the registry says its digest is sha256:000");
  }

  @Test
  void aPullByDigestRefusesBytesOfAnotherDigest() {
    Digest other = new Digest("1".repeat(64));
    registry.on("GET", "/v2/team/app/manifests/" + other, answer(200, Map.of(), manifest));
    assertThatThrownBy(() -> client.manifest(ref.withDigest(other)))
        .satisfies(e -> assertThat(kindOf(e)).isEqualTo(Kind.DIGEST_MISMATCH))
        .hasMessageContaining("manifest " + other)
        .hasMessageContaining("whose digest is " + Digest.of(manifest));
  }

  @Test
  void aManifestOverItsBoundIsTooLarge() {
    client = new RegistryClient(RegistrySettings.defaults().withBounds(100, 100, 100, 128));
    registry.on("GET", "/v2/team/app/manifests/1.0", answer(200, Map.of(), manifest));
    assertThatThrownBy(() -> client.manifest(ref))
        .satisfies(e -> assertThat(kindOf(e)).isEqualTo(Kind.TOO_LARGE))
        .hasMessageContaining("over 100 bytes");
  }

  @Test
  void anIndexIsResolvedToItsAmd64ManifestFetchedByDigest() throws Exception {
    Digest amd64 = Digest.of(manifest);
    String index =
        ManifestsTest.index(
            ManifestsTest.entry(ManifestsTest.A, "linux", "arm64"),
            ManifestsTest.entry(amd64.toString(), "linux", "amd64")
                .replace("\"size\":100", "\"size\":" + manifest.length));
    registry.on("GET", "/v2/team/app/manifests/1.0", answer(200, Map.of(), index));
    registry.on(
        "GET",
        "/v2/team/app/manifests/" + amd64,
        answer(200, Map.of("Content-Type", MediaTypes.OCI_MANIFEST), manifest));
    assertThat(client.manifest(ref).digest()).isEqualTo(amd64);
  }

  @Test
  void aBlobIsVerifiedAgainstItsSizeAndDigest() throws Exception {
    registry.on("GET", blobPath, answer(200, Map.of(), blob));
    assertThat(client.blob(ref, blobDescriptor, 100)).isEqualTo(blob);

    registry.on("GET", blobPath, answer(200, Map.of(), "jello"));
    assertThatThrownBy(() -> client.blob(ref, blobDescriptor, 100))
        .satisfies(e -> assertThat(kindOf(e)).isEqualTo(Kind.DIGEST_MISMATCH))
        .hasMessageContaining("blob " + blobDescriptor.digest());

    registry.on("GET", blobPath, answer(200, Map.of(), "hello, world"));
    assertThatThrownBy(() -> client.blob(ref, blobDescriptor, 100))
        .satisfies(e -> assertThat(kindOf(e)).isEqualTo(Kind.DIGEST_MISMATCH))
        .hasMessageContaining("more than the 5 bytes");

    registry.on("GET", blobPath, answer(200, Map.of(), "hell"));
    assertThatThrownBy(() -> client.blob(ref, blobDescriptor, 100))
        .satisfies(e -> assertThat(kindOf(e)).isEqualTo(Kind.DIGEST_MISMATCH))
        .hasMessageContaining("sent 4 bytes, not the 5");
  }

  @Test
  void aBlobOverTheCallersBoundIsRefusedBeforeItIsAskedFor() {
    assertThatThrownBy(() -> client.blob(ref, blobDescriptor, 4))
        .satisfies(e -> assertThat(kindOf(e)).isEqualTo(Kind.TOO_LARGE));
    assertThat(registry.seen()).isEmpty();
  }

  @Test
  void aStreamedBlobRefusesMoreBytesThanItsDescriptorWithTheRegistrysFailureAsCause()
      throws Exception {
    registry.on("GET", blobPath, answer(200, Map.of(), new byte[100_000]));
    try (InputStream in = client.openBlob(ref, blobDescriptor)) {
      assertThatThrownBy(in::readAllBytes)
          .isInstanceOf(IOException.class)
          .cause()
          .isInstanceOfSatisfying(
              RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DIGEST_MISMATCH));
    }
  }

  @Test
  void aBlobThatStallsMidwayFailsAfterTheRequestTimeoutAsUnreachable() throws Exception {
    client.close();
    client =
        new RegistryClient(
            RegistrySettings.defaults()
                .withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(300)));
    CountDownLatch release = new CountDownLatch(1);
    registry.on(
        "GET",
        blobPath,
        exchange -> {
          exchange.sendResponseHeaders(200, blob.length);
          exchange.getResponseBody().write(blob, 0, 2);
          exchange.getResponseBody().flush();
          try {
            release.await(10, TimeUnit.SECONDS); // stalls with 3 bytes to go
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    long started = System.nanoTime();
    try (InputStream in = client.openBlob(ref, blobDescriptor)) {
      assertThatThrownBy(in::readAllBytes)
          .isInstanceOf(IOException.class)
          .cause()
          .isInstanceOfSatisfying(
              RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE))
          .hasMessageContaining("after 2 of 5 bytes")
          .hasMessageContaining("no data for 300 ms");
    } finally {
      release.countDown();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aRedirectToStorageElsewhereDropsTheAuthorization() throws Exception {
    String basic =
        "Basic " + Base64.getEncoder().encodeToString("ci:pw".getBytes(StandardCharsets.UTF_8));
    client =
        new RegistryClient(
            RegistrySettings.defaults()
                .withCredentials(Map.of(registry.host(), new RegistryCredentials("ci", "pw"))));
    try (FakeRegistry storage = new FakeRegistry("127.0.0.2")) {
      storage.on("GET", "/bucket/blob", answer(200, Map.of(), blob));
      registry.on(
          "GET",
          blobPath,
          exchange -> {
            if (basic.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
              send(
                  exchange,
                  307,
                  Map.of("Location", storage.url("/bucket/blob?signature=s3cr3t")),
                  new byte[0]);
            } else {
              send(exchange, 401, Map.of("WWW-Authenticate", "Basic realm=\"r\""), new byte[0]);
            }
          });
      assertThat(client.blob(ref, blobDescriptor, 100)).isEqualTo(blob);
      assertThat(storage.seen())
          .singleElement()
          .satisfies(s -> {
            assertThat(s.header("Authorization")).isEmpty();
            assertThat(s.query()).contains("signature=s3cr3t");
          });
      assertThat(registry.seen().getLast().header("Authorization")).contains(basic);
    }
  }

  @Test
  void aRedirectToPlainHttpElsewhereIsRefusedWithoutShowingItsQuery() {
    registry.on(
        "GET",
        blobPath,
        answer(302, Map.of("Location", "http://storage.example.com/b?sig=s3cr3t"), new byte[0]));
    assertThatThrownBy(() -> client.blob(ref, blobDescriptor, 100))
        .satisfies(e -> assertThat(kindOf(e)).isEqualTo(Kind.PROTOCOL))
        .hasMessageContaining("to http://storage.example.com/b, which impulse does not follow")
        .hasMessageNotContaining("s3cr3t");
  }

  @Test
  void aRedirectLoopIsCutAfterFiveRedirects() {
    registry.on("GET", blobPath, answer(302, Map.of("Location", blobPath), new byte[0]));
    assertThatThrownBy(() -> client.blob(ref, blobDescriptor, 100))
        .satisfies(e -> assertThat(kindOf(e)).isEqualTo(Kind.PROTOCOL))
        .hasMessageContaining("more than 5 times");
    assertThat(registry.seen()).hasSize(6);
  }

  @Test
  void aBlobIsPushedInOnePutOfExactlyItsSizeToTheUploadLocation() throws Exception {
    registry.on("HEAD", blobPath, answer(404, Map.of(), new byte[0]));
    registry.on(
        "POST",
        "/v2/team/app/blobs/uploads/",
        answer(202, Map.of("Location", "/v2/team/app/blobs/uploads/u1?_state=abc"), new byte[0]));
    registry.on(
        "PUT",
        "/v2/team/app/blobs/uploads/u1",
        answer(
            201, Map.of("Docker-Content-Digest", blobDescriptor.digest().toString()), new byte[0]));

    client.pushBlob(ref, blobDescriptor, () -> new ByteArrayInputStream(blob));

    FakeRegistry.Seen put = registry.seen("PUT", "/v2/team/app/blobs/uploads/u1").getFirst();
    assertThat(put.query()).contains("_state=abc&digest=sha256%3A" + blobDescriptor.digest().hex());
    assertThat(put.header("Content-Length")).contains("5");
    assertThat(put.header("Content-Type")).contains("application/octet-stream");
    assertThat(put.body()).isEqualTo(blob);
  }

  @Test
  void aBlobTheRegistryHasIsNotPushedAgain() throws Exception {
    registry.on("HEAD", blobPath, answer(200, Map.of(), new byte[0]));
    client.pushBlob(
        ref,
        blobDescriptor,
        () -> {
          throw new AssertionError("opened");
        });
    assertThat(registry.seen()).extracting(FakeRegistry.Seen::method).containsExactly("HEAD");
  }

  @Test
  void aBlobSourceShorterThanItsDescriptorFailsAsTheLocalFailureItIs() {
    registry.on("HEAD", blobPath, answer(404, Map.of(), new byte[0]));
    registry.on(
        "POST",
        "/v2/team/app/blobs/uploads/",
        answer(
            202, Map.of("Location", registry.url("/v2/team/app/blobs/uploads/u2")), new byte[0]));
    registry.on("PUT", "/v2/team/app/blobs/uploads/u2", answer(201, Map.of(), new byte[0]));
    assertThatThrownBy(() ->
            client.pushBlob(
                ref,
                blobDescriptor,
                () -> new ByteArrayInputStream("hell".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(RegistryException.class)
        .hasMessageContaining("holds 4 bytes, not its 5");
  }

  @Test
  void anUploadLocationOnPlainHttpElsewhereIsNotUsed() {
    registry.on("HEAD", blobPath, answer(404, Map.of(), new byte[0]));
    registry.on(
        "POST",
        "/v2/team/app/blobs/uploads/",
        answer(202, Map.of("Location", "http://storage.example.com/up?token=s3cr3t"), new byte[0]));
    assertThatThrownBy(
            () -> client.pushBlob(ref, blobDescriptor, () -> new ByteArrayInputStream(blob)))
        .satisfies(e -> assertThat(kindOf(e)).isEqualTo(Kind.PROTOCOL))
        .hasMessageContaining("PUT blob would go to http://storage.example.com/up")
        .hasMessageNotContaining("s3cr3t");
  }

  @Test
  void aRegistryThatRefusesTheBlobsDigestIsADigestMismatch() {
    registry.on("HEAD", blobPath, answer(404, Map.of(), new byte[0]));
    registry.on(
        "POST",
        "/v2/team/app/blobs/uploads/",
        answer(202, Map.of("Location", "/v2/team/app/blobs/uploads/u3"), new byte[0]));
    registry.on(
        "PUT",
        "/v2/team/app/blobs/uploads/u3",
        answer(
            400,
            Map.of(),
            FakeRegistry.error(
                "DIGEST_INVALID", "provided digest did not match uploaded content")));
    assertThatThrownBy(
            () -> client.pushBlob(ref, blobDescriptor, () -> new ByteArrayInputStream(blob)))
        .satisfies(e -> assertThat(kindOf(e)).isEqualTo(Kind.DIGEST_MISMATCH))
        .hasMessageContaining("DIGEST_INVALID: provided digest did not match");
  }

  @Test
  void aManifestIsPushedToTheTagOrElseTheDigestWithItsMediaType() throws Exception {
    Digest digest = Digest.of(manifest);
    registry.on(
        "PUT",
        "/v2/team/app/manifests/1.0",
        answer(201, Map.of("Docker-Content-Digest", digest.toString()), new byte[0]));
    registry.on("PUT", "/v2/team/app/manifests/" + digest, answer(201, Map.of(), new byte[0]));

    assertThat(client.pushManifest(ref, MediaTypes.OCI_MANIFEST, manifest)).isEqualTo(digest);
    ImageReference byDigest = ImageReference.parse(registry.host() + "/team/app@" + digest);
    assertThat(client.pushManifest(byDigest, MediaTypes.OCI_MANIFEST, manifest)).isEqualTo(digest);

    assertThat(registry.seen())
        .allSatisfy(s -> {
          assertThat(s.header("Content-Type")).contains(MediaTypes.OCI_MANIFEST);
          assertThat(s.body()).isEqualTo(manifest);
        });
    assertThatThrownBy(() -> client.pushManifest(byDigest, MediaTypes.OCI_MANIFEST, blob))
        .hasMessageContaining("not the reference's");
  }

  @Test
  void aServerErrorIsUnreachableAndSaysToTryAgain() {
    registry.on("GET", "/v2/team/app/manifests/1.0", answer(503, Map.of(), "<html>down</html>"));
    assertThatThrownBy(() -> client.manifest(ref))
        .satisfies(e -> assertThat(kindOf(e)).isEqualTo(Kind.UNREACHABLE))
        .hasMessageContaining("HTTP 503")
        .hasMessageContaining("try again")
        .hasMessageNotContaining("html");
  }

  @Test
  void aRegistryNobodyListensOnIsUnreachable() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    ImageReference nowhere = ImageReference.parse("127.0.0.1:" + port + "/team/app:1");
    assertThatThrownBy(() -> client.manifest(nowhere))
        .satisfies(e -> assertThat(kindOf(e)).isEqualTo(Kind.UNREACHABLE))
        .hasMessageContaining("cannot connect");
  }
}
