package dev.impulse.oci.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.oci.Descriptor;
import dev.impulse.oci.Digest;
import dev.impulse.oci.MediaTypes;
import dev.impulse.oci.registry.Manifests.ContentException;
import dev.impulse.oci.registry.RegistryException.Kind;
import dev.impulse.oci.registry.RegistryHttp.Call;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches an image manifest for {@link RegistryClient#manifest}: asks for the OCI and Docker schema
 * 2 manifest and index types, reads at most the settings' bound, checks the bytes' digest against
 * the one asked for and the registry's {@code Docker-Content-Digest}, and resolves an index to its
 * linux/amd64 manifest. Thread-safe.
 */
final class ManifestReader {
  private static final Logger log = LoggerFactory.getLogger(ManifestReader.class);
  static final String ACCEPT =
      String.join(
          ", ",
          MediaTypes.OCI_MANIFEST,
          MediaTypes.OCI_INDEX,
          MediaTypes.DOCKER_MANIFEST,
          MediaTypes.DOCKER_MANIFEST_LIST);

  private final RegistrySettings settings;
  private final RegistryHttp registry;

  ManifestReader(RegistrySettings settings, RegistryHttp registry) {
    this.settings = settings;
    this.registry = registry;
  }

  /**
   * The image manifest {@code ref} names, verified; an index is resolved to its linux/amd64
   * manifest. Pulled by digest, the bytes must hash to it.
   */
  ImageManifest read(ImageReference ref) throws IOException {
    Fetched top = fetchManifest(ref, ref.pullReference(), ref.digest());
    if (!MediaTypes.isIndex(top.mediaType())) {
      return image(ref, top);
    }
    Descriptor entry =
        content(
            ref,
            "manifest " + ref.pullReference(),
            () -> Manifests.choose(Manifests.entries(top.root())));
    Fetched chosen = fetchManifest(ref, entry.digest().toString(), Optional.of(entry.digest()));
    if (chosen.raw().length != entry.size()) {
      throw new RegistryException(
          Kind.DIGEST_MISMATCH,
          ref,
          "manifest " + entry.digest(),
          "it is " + chosen.raw().length + " bytes, not the " + entry.size() + " its index names",
          RegistryErrors.remedy(Kind.DIGEST_MISMATCH, ref, "", settings));
    }
    if (!MediaTypes.isManifest(chosen.mediaType())) {
      throw new RegistryException(
          Kind.UNSUPPORTED,
          ref,
          "manifest " + entry.digest(),
          "the index's linux/amd64 entry is " + chosen.mediaType() + ", not an image manifest",
          "");
    }
    log.debug(
        "registry {}: {} is index {}, linux/amd64 is {}",
        ref.registry(),
        ref,
        top.digest(),
        chosen.digest());
    return image(ref, chosen);
  }

  /** A manifest or index as fetched: verified bytes, digest, media type and JSON. */
  private record Fetched(Digest digest, String mediaType, byte[] raw, JsonNode root) {}

  private Fetched fetchManifest(ImageReference ref, String reference, Optional<Digest> expected)
      throws IOException {
    String subject = "manifest " + reference;
    URI uri = registry.repository(ref).resolve("manifests/" + reference);
    Call call = Call.get(uri, "GET manifest", subject, Map.of("Accept", ACCEPT));
    HttpResponse<InputStream> response = registry.send(ref, call);
    if (response.statusCode() != 200) {
      throw registry.refusal(ref, call, response);
    }
    byte[] raw;
    try (InputStream body = response.body()) {
      raw = BlobStreams.readAtMost(body, settings.maxManifestBytes());
    } catch (IOException e) {
      throw new RegistryException(
          Kind.UNREACHABLE,
          ref,
          subject,
          "reading it failed (" + e + ")",
          RegistryErrors.remedy(Kind.UNREACHABLE, ref, subject, settings),
          e);
    }
    if (raw.length > settings.maxManifestBytes()) {
      throw new RegistryException(
          Kind.TOO_LARGE,
          ref,
          subject,
          "it is over " + settings.maxManifestBytes() + " bytes",
          RegistryErrors.remedy(Kind.TOO_LARGE, ref, subject, settings));
    }
    Digest digest = Digest.of(raw);
    if (expected.isPresent() && !expected.get().equals(digest)) {
      throw new RegistryException(
          Kind.DIGEST_MISMATCH,
          ref,
          subject,
          "the registry sent a manifest whose digest is " + digest,
          RegistryErrors.remedy(Kind.DIGEST_MISMATCH, ref, subject, settings));
    }
    registry.checkDigestHeader(ref, subject, response, digest);
    JsonNode root = content(ref, subject, () -> Manifests.read(raw));
    String mediaType =
        content(
            ref,
            subject,
            () -> Manifests.mediaType(root, response.headers().firstValue("Content-Type")));
    return new Fetched(digest, mediaType, raw, root);
  }

  private ImageManifest image(ImageReference ref, Fetched fetched) {
    Manifests.Blobs blobs =
        content(
            ref,
            "manifest " + fetched.digest(),
            () -> Manifests.blobs(fetched.root(), settings.maxLayers()));
    return new ImageManifest(
        fetched.digest(), fetched.mediaType(), fetched.raw(), blobs.config(), blobs.layers());
  }

  /** Runs a parse of a registry's content, turning its refusal into a {@link RegistryException}. */
  private <T> T content(ImageReference ref, String subject, Supplier<T> parse) {
    try {
      return parse.get();
    } catch (ContentException e) {
      throw new RegistryException(
          e.kind(),
          ref,
          subject,
          e.getMessage(),
          RegistryErrors.remedy(e.kind(), ref, subject, settings),
          e);
    }
  }
}
