package dev.impulse.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.impulse.client.ClientException;
import dev.impulse.client.Credentials;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ClientOptionsTest {
  @TempDir Path tmp;

  @Test
  void theDefaultUrlIsTheDaemonsDefaultListenAddress() {
    assertThat(ClientOptions.DEFAULT_URL).isEqualTo("http://127.0.0.1:5000");
    if (System.getenv("IMPULSE_URL") == null) {
      PsCommand ps = new PsCommand();
      new CommandLine(ps).parseArgs();
      assertThat(ps.options.url).isEqualTo("http://127.0.0.1:5000");
    }
  }

  @Test
  void aUrlIsHttpHostAndPortOnly() {
    assertThat(ClientOptions.baseUri("--url", "http://10.0.0.1:5000/"))
        .isEqualTo(URI.create("http://10.0.0.1:5000"));
    assertThatThrownBy(() -> ClientOptions.baseUri("--url", "127.0.0.1:5000"))
        .hasMessageStartingWith("--url must be http://HOST:PORT");
    assertThatThrownBy(() -> ClientOptions.baseUri("--url", "http://h:1/api"))
        .hasMessageStartingWith("--url must be http://HOST:PORT");
    assertThatThrownBy(() -> ClientOptions.baseUri("--url", "unix:/run/impulse/api.sock"))
        .hasMessageContaining("over TCP only");
  }

  private static String bearer(Credentials credentials) {
    return credentials.bearer().orElse("(none)");
  }

  @Test
  void theTokenComesFromTheFileGivenThenTheEnvironmentThenTheDefaultFile() throws IOException {
    Path given = Files.writeString(tmp.resolve("given"), "given-token-0123456789\n");
    Path named = Files.writeString(tmp.resolve("named"), "named-token-0123456789\n");
    Map<String, String> env =
        Map.of("IMPULSE_TOKEN", "env-token-0123456789", "IMPULSE_API_TOKEN_FILE", named.toString());
    assertThat(bearer(ClientOptions.credentials(given, env::get)))
        .isEqualTo("given-token-0123456789");
    assertThat(bearer(ClientOptions.credentials(null, env::get))).isEqualTo("env-token-0123456789");
    Map<String, String> fileOnly = Map.of("IMPULSE_API_TOKEN_FILE", named.toString());
    assertThat(bearer(ClientOptions.credentials(null, fileOnly::get)))
        .isEqualTo("named-token-0123456789");
  }

  @Test
  void anUnreadableDefaultMeansNoTokenAndAnUnreadableGivenFileIsAnError() {
    Path missing = tmp.resolve("missing");
    Map<String, String> env = Map.of("IMPULSE_API_TOKEN_FILE", missing.toString());
    assertThat(ClientOptions.credentials(null, env::get).bearer()).isEmpty();
    assertThatThrownBy(() -> ClientOptions.credentials(missing, env::get))
        .isInstanceOf(ClientException.class)
        .hasMessage(
            "cannot read the API token file " + missing + " (--token-file): does not exist");
  }

  @Test
  void rmNeedsEitherAnAppOrAChamberNotBoth() {
    StringWriter err = new StringWriter();
    CommandLine line = Main.commandLine().setErr(new PrintWriter(err));
    assertThat(line.execute("rm")).isEqualTo(2);
    assertThat(line.execute("rm", "shop", "--chamber", "shop-1-abcde")).isEqualTo(2);
    assertThat(err.toString()).contains("name either an APP or a chamber with --chamber ID");
  }

  @Test
  void invokeRefusesABodyThatIsNotJsonBeforeAnyCall() {
    StringWriter err = new StringWriter();
    CommandLine line = Main.commandLine().setErr(new PrintWriter(err));
    assertThat(line.execute("invoke", "shop", "--data", "{nope")).isEqualTo(2);
    assertThat(err.toString()).contains("--data is not JSON");
  }

  @Test
  void helpListsTheClientSubcommands() {
    StringWriter out = new StringWriter();
    CommandLine line = Main.commandLine().setOut(new PrintWriter(out));
    assertThat(line.execute("--help")).isZero();
    assertThat(out.toString()).contains("deploy", "invoke", "ls", "ps", "logs", "rm", "events");
  }
}
