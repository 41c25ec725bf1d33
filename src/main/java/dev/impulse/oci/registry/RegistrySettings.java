package dev.impulse.oci.registry;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How impulse talks to registries: which may be reached over plain HTTP, the credentials for each,
 * timeouts, and the bounds on what a registry may send. Validated once, immutable.
 *
 * <p><b>Transport.</b> Loopback registries ({@code localhost}, {@code 127.0.0.0/8}, {@code ::1})
 * are always reached over plain HTTP, the registries listed in {@code insecureRegistries} too, and
 * every other registry over HTTPS, whose certificate the JDK checks. A listed {@code host} without
 * a port covers every port of that host, {@code host:port} that port alone. Redirects and token
 * servers obey the same rule, so a registry can never lead the client onto plain HTTP elsewhere.
 *
 * <p><b>Bounds.</b> Everything a registry sends is hostile until verified, and read into memory
 * only under a bound: a manifest or index at most {@code maxManifestBytes} (default 4 MiB, the
 * bound registries themselves put on manifests), an image config at most {@code maxConfigBytes}
 * (default 8 MiB: configs carry the build history, and large ones are about 100 KiB), a token
 * server's answer at most {@code maxTokenBytes} (default 1 MiB; tokens are a few KiB), and an image
 * at most {@code maxLayers} layers (default 128: overlayfs stacks every layer as a lower directory,
 * and its mount options must fit in one page, which about 128 store paths fill; Docker stops at
 * 125). Layer blobs are streamed, never held; their bounds are the layer store's.
 *
 * @param insecureRegistries {@code host[:port]} of registries allowed over plain HTTP beyond
 *     loopback ones: only registries of one's own, on a network one trusts
 * @param credentials per registry ({@code host[:port]} as references write it), sent as Basic
 *     credentials to it or to its token server; registries without are accessed anonymously
 * @param connectTimeout the most to wait for a connection
 * @param requestTimeout the most to wait for a response's headers, and then for each next piece of
 *     its body (a layer may take minutes to come, but not stall for this long)
 * @param maxManifestBytes the largest manifest or index read
 * @param maxConfigBytes the largest image config read
 * @param maxTokenBytes the largest answer of a token server read
 * @param maxLayers the most layers an image may have
 */
public record RegistrySettings(
    Set<String> insecureRegistries,
    Map<String, RegistryCredentials> credentials,
    Duration connectTimeout,
    Duration requestTimeout,
    long maxManifestBytes,
    long maxConfigBytes,
    long maxTokenBytes,
    int maxLayers) {
  public static final long DEFAULT_MAX_MANIFEST_BYTES = 4L << 20;
  public static final long DEFAULT_MAX_CONFIG_BYTES = 8L << 20;
  public static final long DEFAULT_MAX_TOKEN_BYTES = 1L << 20;
  public static final int DEFAULT_MAX_LAYERS = 128;
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);

  public RegistrySettings {
    insecureRegistries =
        insecureRegistries.stream()
            .map(r -> registryName("insecure registry", r))
            .collect(Collectors.toUnmodifiableSet());
    credentials =
        credentials.entrySet().stream()
            .collect(
                Collectors.toUnmodifiableMap(
                    e -> registryName("credentials for registry", e.getKey()),
                    e -> {
                      if (e.getValue() == null) {
                        throw new IllegalArgumentException(
                            "registry '" + e.getKey() + "' has null credentials");
                      }
                      return e.getValue();
                    }));
    positive("connectTimeout", connectTimeout);
    positive("requestTimeout", requestTimeout);
    positive("maxManifestBytes", maxManifestBytes);
    positive("maxConfigBytes", maxConfigBytes);
    positive("maxTokenBytes", maxTokenBytes);
    positive("maxLayers", maxLayers);
  }

  /** No insecure registries, no credentials, the default timeouts and bounds. */
  public static RegistrySettings defaults() {
    return new RegistrySettings(
        Set.of(),
        Map.of(),
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_MAX_MANIFEST_BYTES,
        DEFAULT_MAX_CONFIG_BYTES,
        DEFAULT_MAX_TOKEN_BYTES,
        DEFAULT_MAX_LAYERS);
  }

  /** These settings with {@code registries} allowed over plain HTTP. */
  public RegistrySettings withInsecureRegistries(Set<String> registries) {
    return new RegistrySettings(
        registries,
        credentials,
        connectTimeout,
        requestTimeout,
        maxManifestBytes,
        maxConfigBytes,
        maxTokenBytes,
        maxLayers);
  }

  /** These settings with {@code perRegistry} as the credentials. */
  public RegistrySettings withCredentials(Map<String, RegistryCredentials> perRegistry) {
    return new RegistrySettings(
        insecureRegistries,
        perRegistry,
        connectTimeout,
        requestTimeout,
        maxManifestBytes,
        maxConfigBytes,
        maxTokenBytes,
        maxLayers);
  }

  /** These settings with other timeouts. */
  public RegistrySettings withTimeouts(Duration connect, Duration request) {
    return new RegistrySettings(
        insecureRegistries,
        credentials,
        connect,
        request,
        maxManifestBytes,
        maxConfigBytes,
        maxTokenBytes,
        maxLayers);
  }

  /** These settings with other bounds. */
  public RegistrySettings withBounds(
      long manifestBytes, long configBytes, long tokenBytes, int layers) {
    return new RegistrySettings(
        insecureRegistries,
        credentials,
        connectTimeout,
        requestTimeout,
        manifestBytes,
        configBytes,
        tokenBytes,
        layers);
  }

  /** The credentials configured for {@code registry} ({@code host[:port]}). */
  public Optional<RegistryCredentials> credentialsFor(String registry) {
    return Optional.ofNullable(credentials.get(registry.toLowerCase(Locale.ROOT)));
  }

  /** {@code http} for a loopback or insecure-listed registry, else {@code https}. */
  public String scheme(String registry) {
    int colon = registry.lastIndexOf(':');
    boolean hasPort = colon > registry.lastIndexOf(']');
    String host = hasPort ? registry.substring(0, colon) : registry;
    return allowsPlainHttp(host, registry) ? "http" : "https";
  }

  /**
   * Whether {@code uri} may be used: HTTPS always, plain HTTP only to a loopback or insecure-listed
   * host. Credentials, tokens and redirects follow this too.
   */
  public boolean allows(URI uri) {
    if ("https".equalsIgnoreCase(uri.getScheme())) {
      return uri.getHost() != null;
    }
    if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      return false;
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    return allowsPlainHttp(host, uri.getPort() < 0 ? host : host + ":" + uri.getPort());
  }

  /**
   * Whether a registry may send the client on to {@code target} (a redirect, a token realm): never
   * from HTTPS to plain HTTP, never to a plain-HTTP host not allowed, and never to an internal
   * address (loopback, link-local, private, unspecified: what a name resolves to counts) unless the
   * registry itself is on one. A registry on the internet cannot make the daemon call services on
   * its own host or network. Names are resolved here and again when connecting: a name that changes
   * in between (DNS rebinding) is not caught; list the registries you pull from.
   */
  public boolean allowsHop(URI registry, URI target) {
    if (!allows(target) || target.getHost() == null) {
      return false;
    }
    if ("https".equalsIgnoreCase(registry.getScheme())
        && !"https".equalsIgnoreCase(target.getScheme())) {
      return false;
    }
    return isInternal(registry.getHost()) || !isInternal(target.getHost());
  }

  /** Whether {@code host} is, or resolves to, an address that is not the public internet's. */
  static boolean isInternal(String host) {
    String literal =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(literal);
    } catch (java.net.UnknownHostException e) {
      return false; // the connection fails on its own
    }
    for (InetAddress address : addresses) {
      if (address.isLoopbackAddress()
          || address.isLinkLocalAddress()
          || address.isSiteLocalAddress()
          || address.isAnyLocalAddress()
          || address.isMulticastAddress()
          || isUniqueLocal(address)
          || isSharedOrBenchmark(address)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isUniqueLocal(InetAddress address) {
    return address instanceof java.net.Inet6Address && (address.getAddress()[0] & 0xfe) == 0xfc;
  }

  /** 100.64.0.0/10 (carrier-grade NAT) and 198.18.0.0/15 (benchmarking, test networks). */
  private static boolean isSharedOrBenchmark(InetAddress address) {
    byte[] a = address.getAddress();
    if (a.length != 4) {
      return false;
    }
    int first = a[0] & 0xff;
    int second = a[1] & 0xff;
    return (first == 100 && second >= 64 && second < 128)
        || (first == 198 && (second == 18 || second == 19));
  }

  private boolean allowsPlainHttp(String host, String authority) {
    String lower = authority.toLowerCase(Locale.ROOT);
    String lowerHost = host.toLowerCase(Locale.ROOT);
    return isLoopback(lowerHost)
        || insecureRegistries.contains(lower)
        || insecureRegistries.contains(lowerHost);
  }

  /** {@code localhost}, 127.0.0.0/8 or ::1 written as such; names are not resolved. */
  static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    String literal =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (!literal.matches("[0-9a-fA-F:.]+") || !(literal.contains(".") || literal.contains(":"))) {
      return false;
    }
    try {
      return InetAddress.ofLiteral(literal).isLoopbackAddress();
    } catch (IllegalArgumentException notALiteral) {
      return false;
    }
  }

  private static String registryName(String what, String name) {
    if (name == null || !ImageReference.isRegistry(name)) {
      throw new IllegalArgumentException(
          what + " '" + name + "' is not host[:port], as in registry.example.com:5000");
    }
    return name.toLowerCase(Locale.ROOT);
  }

  private static void positive(String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(
          "registry setting " + name + " must be a positive duration, not " + value);
    }
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(
          "registry setting " + name + " must be positive, not " + value);
    }
  }
}
