package dev.impulse.oci.registry;

import dev.impulse.oci.BlobSource;
import dev.impulse.oci.Descriptor;
import dev.impulse.oci.Digest;
import dev.impulse.oci.MediaTypes;
import dev.impulse.oci.registry.RegistryException.Kind;
import dev.impulse.oci.registry.RegistryHttp.Call;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the OCI distribution API: pulls manifests and blobs, pushes blobs and manifests.
 * Built on the JDK's {@link HttpClient}, with redirects, authentication and bounds of its own (see
 * {@link RegistryHttp}, {@link RegistryAuth}, {@link RegistrySettings}); everything a registry
 * sends is verified against its digest and size before it is returned, or, for a streamed blob,
 * bounded by its size while the reader verifies the digest.
 *
 * <p>Failures of the registry are {@link RegistryException}s; {@link java.io.IOException}s are
 * local: a blob source that fails, or an interrupt ({@link java.io.InterruptedIOException}).
 *
 * <p>Thread-safe; one per daemon, sharing connections and tokens. {@link #close} ends its HTTP
 * client.
 */
public final class RegistryClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RegistryClient.class);

  private static final int CLOSE_GRACE_SECONDS = 5;

  private final RegistrySettings settings;
  private final HttpClient http;
  private final RegistryHttp registry;
  private final ManifestReader manifests;

  public RegistryClient(RegistrySettings settings) {
    this(settings, InstantSource.system());
  }

  /** A client whose token lifetimes are measured by {@code clock}. */
  RegistryClient(RegistrySettings settings, InstantSource clock) {
    this.settings = settings;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.registry = new RegistryHttp(settings, http, new RegistryAuth(settings, http, clock));
    this.manifests = new ManifestReader(settings, registry);
  }

  public RegistrySettings settings() {
    return settings;
  }

  /**
   * The image manifest {@code ref} names, verified; an index is resolved to its linux/amd64
   * manifest. Pulled by digest, the bytes must hash to it.
   */
  public ImageManifest manifest(ImageReference ref) throws IOException {
    return manifests.read(ref);
  }

  /**
   * The blob {@code blob} names, read into memory: at most {@code maxBytes}, and exactly its size
   * and digest.
   */
  public byte[] blob(ImageReference ref, Descriptor blob, long maxBytes) throws IOException {
    String subject = "blob " + blob.digest();
    if (blob.size() > maxBytes) {
      throw new RegistryException(
          Kind.TOO_LARGE,
          ref,
          subject,
          "its manifest says it is " + blob.size() + " bytes; impulse reads at most " + maxBytes,
          RegistryErrors.remedy(Kind.TOO_LARGE, ref, subject, settings));
    }
    byte[] bytes;
    try (InputStream in = openBlob(ref, blob)) {
      bytes = in.readAllBytes();
    } catch (IOException e) {
      if (e.getCause() instanceof RegistryException failure) {
        throw failure;
      }
      throw e;
    }
    Digest digest = Digest.of(bytes);
    if (!digest.equals(blob.digest())) {
      throw new RegistryException(
          Kind.DIGEST_MISMATCH,
          ref,
          subject,
          "the registry sent content whose digest is " + digest,
          RegistryErrors.remedy(Kind.DIGEST_MISMATCH, ref, subject, settings));
    }
    return bytes;
  }

  /**
   * The blob {@code blob} names, streamed. The stream refuses more (and fewer) bytes than its size;
   * the reader verifies the digest ({@link dev.impulse.oci.LayerStore} does while unpacking). Its
   * read failures are {@link IOException}s caused by the {@link RegistryException} saying what went
   * wrong. The caller closes it.
   */
  public InputStream openBlob(ImageReference ref, Descriptor blob) throws IOException {
    String subject = "blob " + blob.digest();
    URI uri = registry.repository(ref).resolve("blobs/" + blob.digest());
    Call call = Call.get(uri, "GET blob", subject, Map.of());
    HttpResponse<InputStream> response = registry.send(ref, call);
    if (response.statusCode() != 200) {
      throw registry.refusal(ref, call, response);
    }
    return new BlobStreams.Download(response.body(), ref, blob, settings);
  }

  /** Whether the repository of {@code ref} has the blob {@code digest}; asked with push access. */
  public boolean hasBlob(ImageReference ref, Digest digest) throws IOException {
    URI uri = registry.repository(ref).resolve("blobs/" + digest);
    Call call =
        new Call(
            "HEAD", uri, "HEAD blob", "blob " + digest, Map.of(), Optional.empty(), true, true);
    HttpResponse<InputStream> response = registry.send(ref, call);
    if (response.statusCode() == 404) {
      response.body().close();
      return false;
    }
    if (response.statusCode() != 200) {
      throw registry.refusal(ref, call, response);
    }
    response.body().close();
    return true;
  }

  /**
   * Pushes a blob to the repository of {@code ref} unless it has it: one upload session ({@code
   * POST}), then one monolithic {@code PUT} of exactly {@code blob}'s size, streamed from {@code
   * source} (opened again if the PUT must be retried after a 401). The registry checks the digest.
   * The {@code Authorization} header goes to the upload location only when it is the registry
   * itself.
   */
  public void pushBlob(ImageReference ref, Descriptor blob, BlobSource source) throws IOException {
    if (hasBlob(ref, blob.digest())) {
      log.debug(
          "registry {}: {} has blob {}", ref.registry(), ref.name(), blob.digest().shortHex());
      return;
    }
    String subject = "blob " + blob.digest();
    URI uploads = registry.repository(ref).resolve("blobs/uploads/");
    Call start =
        new Call(
            "POST", uploads, "POST blob upload", subject, Map.of(), Optional.empty(), true, false);
    HttpResponse<InputStream> started = registry.send(ref, start);
    if (started.statusCode() != 202) {
      throw registry.refusal(ref, start, started);
    }
    started.body().close();
    String location =
        started
            .headers()
            .firstValue("Location")
            .orElseThrow(() ->
                new RegistryException(
                    Kind.PROTOCOL,
                    ref,
                    subject,
                    "the upload session has no Location",
                    202,
                    List.of(),
                    "",
                    null));
    URI session = registry.resolve(ref, start, uploads, location);
    URI target =
        URI.create(
            session
                + (session.getRawQuery() == null ? "?" : "&")
                + "digest="
                + URLEncoder.encode(blob.digest().toString(), StandardCharsets.UTF_8));
    AtomicReference<IOException> localFailure = new AtomicReference<>();
    Call put =
        new Call(
            "PUT",
            target,
            "PUT blob",
            subject,
            Map.of("Content-Type", "application/octet-stream"),
            Optional.of(() ->
                BodyPublishers.fromPublisher(
                    BodyPublishers.ofInputStream(() -> open(source, blob, localFailure)),
                    blob.size())),
            true,
            false);
    HttpResponse<InputStream> done = registry.send(ref, put, localFailure);
    if (done.statusCode() != 201) {
      throw registry.refusal(ref, put, done);
    }
    done.body().close();
    registry.checkDigestHeader(ref, subject, done, blob.digest());
    log.info(
        "registry {}: pushed blob {} to {} ({} bytes)",
        ref.registry(),
        blob.digest().shortHex(),
        ref.name(),
        blob.size());
  }

  /**
   * Pushes a manifest or index to {@code ref}'s tag, or to its digest when it has only one (which
   * must then be the bytes' digest); returns the bytes' digest, which the registry must agree with.
   */
  public Digest pushManifest(ImageReference ref, String mediaType, byte[] manifest)
      throws IOException {
    Digest digest = Digest.of(manifest);
    String subject = "manifest " + ref.pushReference();
    if (!MediaTypes.isManifest(mediaType) && !MediaTypes.isIndex(mediaType)) {
      throw new IllegalArgumentException("'" + mediaType + "' is no manifest or index media type");
    }
    if (ref.digest().isPresent() && !ref.digest().get().equals(digest)) {
      throw new IllegalArgumentException(
          "the manifest pushed to " + ref + " has the digest " + digest + ", not the reference's");
    }
    if (manifest.length > settings.maxManifestBytes()) {
      throw new RegistryException(
          Kind.TOO_LARGE,
          ref,
          subject,
          "it is "
              + manifest.length
              + " bytes; registries take at most "
              + settings.maxManifestBytes(),
          "");
    }
    URI uri = registry.repository(ref).resolve("manifests/" + ref.pushReference());
    byte[] body = manifest.clone();
    Call put =
        new Call(
            "PUT",
            uri,
            "PUT manifest",
            subject,
            Map.of("Content-Type", mediaType),
            Optional.of(() -> BodyPublishers.ofByteArray(body)),
            true,
            false);
    HttpResponse<InputStream> response = registry.send(ref, put);
    if (response.statusCode() != 201) {
      throw registry.refusal(ref, put, response);
    }
    response.body().close();
    registry.checkDigestHeader(ref, subject, response, digest);
    log.info("registry {}: pushed {} as {}", ref.registry(), ref, digest.shortHex());
    return digest;
  }

  /**
   * Ends the HTTP client: requests under way get {@value #CLOSE_GRACE_SECONDS} seconds, then are
   * aborted (the JDK's own {@code close} would wait for ever on a blob stream nobody closes).
   */
  @Override
  public void close() {
    http.shutdown();
    try {
      if (!http.awaitTermination(Duration.ofSeconds(CLOSE_GRACE_SECONDS))) {
        http.shutdownNow();
      }
    } catch (InterruptedException e) {
      http.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static InputStream open(
      BlobSource source, Descriptor blob, AtomicReference<IOException> localFailure) {
    try {
      return new BlobStreams.Upload(source.open(), blob, localFailure);
    } catch (IOException e) {
      localFailure.compareAndSet(null, e);
      throw new UncheckedIOException(e);
    }
  }
}
