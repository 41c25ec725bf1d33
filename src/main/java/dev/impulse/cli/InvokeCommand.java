package dev.impulse.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.client.EdgeClient;
import dev.impulse.client.Invocation;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code impulse invoke APP}: calls the app's function through the edge proxy, as its callers do,
 * and prints the answer; an answer other than 2xx goes to stderr and the exit code is 1.
 */
@Command(
    name = "invoke",
    mixinStandardHelpOptions = true,
    description =
        "Call an app's function through the edge proxy with a JSON body; print its answer.")
final class InvokeCommand implements Callable<Integer> {
  static final String DEFAULT_PROXY_URL = "http://127.0.0.1:8080";

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "APP", description = "The app to call")
  String app;

  @Option(
      names = "--data",
      paramLabel = "JSON",
      defaultValue = "{}",
      description = "The request body, JSON (default: ${DEFAULT-VALUE})")
  String data;

  @Option(
      names = "--path",
      paramLabel = "/PATH",
      defaultValue = "/",
      description = "The path after /APP the function sees (default: ${DEFAULT-VALUE})")
  String path;

  @Option(
      names = "--proxy-url",
      paramLabel = "URL",
      defaultValue = "${env:IMPULSE_PROXY_URL:-" + DEFAULT_PROXY_URL + "}",
      description =
          "The edge proxy, http://HOST:PORT (env IMPULSE_PROXY_URL; default: ${DEFAULT-VALUE})")
  String proxyUrl;

  @Override
  public Integer call() {
    requireValid();
    try (EdgeClient edge = new EdgeClient(ClientOptions.baseUri("--proxy-url", proxyUrl))) {
      Invocation answer = edge.invoke(app, path, data);
      PrintWriter to =
          answer.succeeded() ? spec.commandLine().getOut() : spec.commandLine().getErr();
      to.print(answer.body());
      if (!answer.body().endsWith("\n")) {
        to.println();
      }
      to.flush();
      return answer.succeeded() ? 0 : 1;
    }
  }

  /** Refuses a body that is not JSON and a path that does not start with '/', before any call. */
  void requireValid() {
    try {
      new ObjectMapper().readTree(data);
    } catch (JsonProcessingException e) {
      throw new ParameterException(
          spec.commandLine(), "--data is not JSON: " + e.getOriginalMessage());
    }
    if (!path.startsWith("/")) {
      throw new ParameterException(
          spec.commandLine(), "--path must start with '/', not '" + path + "'");
    }
  }
}
