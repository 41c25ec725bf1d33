package dev.impulse.client;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads a {@code text/event-stream} a line at a time, as the HTML standard's parser does: {@code
 * data:} lines gather until a blank line ends the event, {@code id:} and {@code event:} name it,
 * comments (lines starting with ':') are reported apart, anything else is ignored. Not thread-safe:
 * one stream, one thread.
 */
final class ServerSentEvents {
  /** One event: its id (the last one seen when it had none), type and data. */
  record Event(String id, String type, String data) {}

  private final Consumer<Event> events;
  private final Consumer<String> comments;
  private final List<String> data = new ArrayList<>();
  private String type = "message";
  private String lastId = "";

  ServerSentEvents(Consumer<Event> events, Consumer<String> comments) {
    this.events = events;
    this.comments = comments;
  }

  /** Takes one line, without its line ending. */
  void line(String line) {
    if (line.isEmpty()) {
      dispatch();
      return;
    }
    if (line.startsWith(":")) {
      comments.accept(line.substring(1).strip());
      return;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "data" -> data.add(value);
      case "event" -> type = value;
      case "id" -> {
        if (value.indexOf('\0') < 0) {
          lastId = value;
        }
      }
      default -> {}
    }
  }

  /** The id of the last event dispatched or being read, "" before any. */
  String lastId() {
    return lastId;
  }

  private void dispatch() {
    if (!data.isEmpty()) {
      events.accept(new Event(lastId, type, String.join("\n", data)));
    }
    data.clear();
    type = "message";
  }
}
