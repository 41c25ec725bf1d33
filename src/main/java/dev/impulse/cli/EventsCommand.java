package dev.impulse.cli;

import dev.impulse.client.ClientException;
import dev.impulse.client.ImpulseClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code impulse events}: lifecycle events as they happen, one line of JSON each, until Ctrl-C.
 * When the stream ends first (the daemon stopped, the connection broke) it fails, saying how to go
 * on from the last event printed.
 */
@Command(
    name = "events",
    mixinStandardHelpOptions = true,
    description = "Print lifecycle events as they happen, one line of JSON each, until Ctrl-C.")
final class EventsCommand implements Callable<Integer> {
  @Mixin ClientOptions options;
  @Spec CommandSpec spec;

  @Option(
      names = "--since",
      paramLabel = "N",
      defaultValue = "-1",
      description = "First every retained event after event N, then new ones (default: new only)")
  long since;

  @Override
  public Integer call() {
    if (since < -1) {
      throw new ParameterException(
          spec.commandLine(), "--since must be an event id, 0 or more, not " + since);
    }
    Printer printer = new Printer(spec.commandLine().getOut(), spec.commandLine().getErr());
    String ended;
    try (ImpulseClient client = options.client()) {
      client.events(since, printer);
      ended = "the daemon ended the event stream (did it stop?)";
    } catch (ClientException e) {
      if (!printer.connected) {
        throw e;
      }
      ended = e.getMessage();
    }
    String from =
        printer.lastId.isEmpty() ? (since >= 0 ? Long.toString(since) : "") : printer.lastId;
    throw new ClientException(
        ended + "; go on with: impulse events" + (from.isEmpty() ? "" : " --since " + from));
  }

  /** Prints each event as it comes, and remembers the last one. */
  private static final class Printer implements ImpulseClient.EventListener {
    private final PrintWriter out;
    private final PrintWriter err;
    private boolean connected;
    private String lastId = "";

    Printer(PrintWriter out, PrintWriter err) {
      this.out = out;
      this.err = err;
    }

    @Override
    public void connected() {
      connected = true;
    }

    @Override
    public void event(String id, String json) {
      out.println(json);
      out.flush();
      lastId = id;
    }

    @Override
    public void notice(String text) {
      err.println("impulse: " + text);
      err.flush();
    }
  }
}
