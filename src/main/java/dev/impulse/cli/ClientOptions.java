package dev.impulse.cli;

import dev.impulse.client.ClientException;
import dev.impulse.client.Credentials;
import dev.impulse.client.ImpulseClient;
import dev.impulse.daemon.Defaults;
import java.io.IOException;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Option;

/**
 * Where the API is and how to prove the right to call it: a mixin of every subcommand that calls
 * the API.
 *
 * <p>The token is, in order: the file {@code --token-file} names (which must be readable); {@code
 * IMPULSE_TOKEN}; the file {@code IMPULSE_API_TOKEN_FILE} names, else the daemon's default, {@code
 * /var/lib/impulse/api-token}, when it can be read. Without any, requests go without one (a daemon
 * run with {@code --auth none} needs none); a {@code 401} then says why none was sent.
 */
final class ClientOptions {
  static final String DEFAULT_URL = "http://" + Defaults.LISTEN;
  static final String DEFAULT_TOKEN_FILE = Defaults.DATA_DIR + "/api-token";

  @Option(
      names = "--url",
      paramLabel = "URL",
      defaultValue = "${env:IMPULSE_URL:-" + DEFAULT_URL + "}",
      description =
          "The daemon's API, http://HOST:PORT (env IMPULSE_URL; default: ${DEFAULT-VALUE})")
  String url;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "File holding the API token (default: env IMPULSE_TOKEN, else the file env"
              + " IMPULSE_API_TOKEN_FILE names, else "
              + DEFAULT_TOKEN_FILE
              + " when readable)")
  Path tokenFile;

  /** A client of the API these options name. */
  ImpulseClient client() {
    return new ImpulseClient(baseUri("--url", url), credentials(tokenFile, System::getenv));
  }

  /**
   * {@code text} as a server's base URI: {@code http://HOST:PORT} with no path, query or fragment.
   */
  static URI baseUri(String option, String text) {
    String trimmed = text.strip();
    if (trimmed.startsWith("unix:")) {
      throw new ClientException(
          option
              + " "
              + trimmed
              + ": the command line reaches the API over TCP only; run the daemon with --listen"
              + " HOST:PORT, or call the socket with curl --unix-socket");
    }
    String shape =
        option + " must be http://HOST:PORT (such as " + DEFAULT_URL + "), not '" + text + "'";
    URI uri;
    try {
      uri = new URI(trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed);
    } catch (java.net.URISyntaxException e) {
      throw new ClientException(shape);
    }
    String scheme = String.valueOf(uri.getScheme());
    if (!(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || uri.getHost() == null
        || !uri.getRawPath().isEmpty()
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null
        || uri.getRawUserInfo() != null) {
      throw new ClientException(shape);
    }
    return uri;
  }

  /** The token to send, found as the class comment says; {@code given} is null when not given. */
  static Credentials credentials(Path given, UnaryOperator<String> env) {
    if (given != null) {
      try {
        return Credentials.token(read(given), given.toString());
      } catch (IOException e) {
        throw new ClientException(
            "cannot read the API token file " + given + " (--token-file): " + why(e));
      }
    }
    String token = env.apply("IMPULSE_TOKEN");
    if (token != null && !token.isBlank()) {
      return Credentials.token(token, "IMPULSE_TOKEN");
    }
    String named = env.apply("IMPULSE_API_TOKEN_FILE");
    Path file = Path.of(named == null || named.isBlank() ? DEFAULT_TOKEN_FILE : named);
    try {
      return Credentials.token(read(file), file.toString());
    } catch (IOException e) {
      return Credentials.none(
          "the token file "
              + file
              + " "
              + why(e)
              + "; run as root, or give --token-file or IMPULSE_TOKEN");
    }
  }

  private static String read(Path file) throws IOException {
    String token = Files.readString(file).strip();
    if (token.isEmpty()) {
      throw new IOException("is empty");
    }
    return token;
  }

  private static String why(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "does not exist";
    }
    if (e instanceof AccessDeniedException) {
      return "is not readable (permission denied)";
    }
    return String.valueOf(e.getMessage());
  }
}
