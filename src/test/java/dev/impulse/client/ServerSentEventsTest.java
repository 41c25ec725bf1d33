package dev.impulse.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerSentEventsTest {
  private final List<ServerSentEvents.Event> events = new ArrayList<>();
  private final List<String> comments = new ArrayList<>();
  private final ServerSentEvents parser = new ServerSentEvents(events::add, comments::add);

  private void feed(String text) {
    text.lines().forEach(parser::line);
    if (text.endsWith("\n\n")) {
      parser.line("");
    }
  }

  @Test
  void anEventIsItsIdTypeAndDataOnceABlankLineEndsIt() {
    feed(": impulse events\n\nid: 42\nevent: chamber\ndata: {\"id\":42}\n");
    assertThat(events).isEmpty();
    parser.line("");
    assertThat(events).containsExactly(new ServerSentEvents.Event("42", "chamber", "{\"id\":42}"));
    assertThat(comments).containsExactly("impulse events");
    assertThat(parser.lastId()).isEqualTo("42");
  }

  @Test
  void dataLinesAreJoinedAndTheTypeResetsAfterEachEvent() {
    feed("event: chamber\ndata: a\ndata:b\n\n");
    feed("data: c\n\n");
    assertThat(events)
        .containsExactly(
            new ServerSentEvents.Event("", "chamber", "a\nb"),
            new ServerSentEvents.Event("", "message", "c"));
  }

  @Test
  void keepAlivesAndEventsWithoutDataDispatchNothing() {
    feed(": keep-alive\n\nid: 7\n\nretry: 10\nunknown field\n\n");
    assertThat(events).isEmpty();
    assertThat(comments).containsExactly("keep-alive");
    assertThat(parser.lastId()).isEqualTo("7");
  }
}
