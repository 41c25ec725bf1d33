package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ChamberRegistryTest {
  private final List<String> journal = new ArrayList<>();
  private final ChamberRegistry registry =
      new ChamberRegistry(
          new ChamberJournal() {
            @Override
            public void save(Chamber chamber) {
              journal.add("save " + chamber.id() + " " + chamber.status());
            }

            @Override
            public void delete(String id) {
              journal.add("delete " + id);
            }
          });

  private Chamber add(String id) {
    Chamber chamber = Chamber.starting(id, new ChamberSpec("a", "1", "python3"), 6000, id.length());
    registry.add(chamber);
    return chamber;
  }

  @Test
  void everyChangeIsJournaledBeforeItIsVisible() {
    List<String> seenByListener = new ArrayList<>();
    registry.addListener((before, after) -> seenByListener.add(List.copyOf(journal).getLast()));
    add("a-1-aaaaa");
    registry.transition("a-1-aaaaa", ChamberStatus.RUNNING, Optional.empty(), Optional.empty());
    registry.remove("a-1-aaaaa");
    assertThat(journal)
        .containsExactly("save a-1-aaaaa STARTING", "save a-1-aaaaa RUNNING", "delete a-1-aaaaa");
    assertThat(seenByListener).containsExactlyElementsOf(journal);
  }

  @Test
  void aTransitionOnlyHappensFromTheExpectedStatus() {
    add("a-1-aaaaa");
    registry.transition("a-1-aaaaa", ChamberStatus.FAILED, Optional.of(1), Optional.of("exited"));
    Optional<Chamber> late =
        registry.transition(
            "a-1-aaaaa",
            ChamberStatus.RUNNING,
            Optional.empty(),
            Optional.empty(),
            ChamberStatus.STARTING);
    assertThat(late).isEmpty();
    assertThat(registry.get("a-1-aaaaa").orElseThrow().status()).isEqualTo(ChamberStatus.FAILED);
  }

  @Test
  void anIllegalMoveIsIgnoredNotApplied() {
    add("a-1-aaaaa");
    registry.transition("a-1-aaaaa", ChamberStatus.RUNNING, Optional.empty(), Optional.empty());
    assertThat(
            registry.transition(
                "a-1-aaaaa", ChamberStatus.STARTING, Optional.empty(), Optional.empty()))
        .isEmpty();
  }

  @Test
  void listsOldestFirst() {
    add("b-1-bbbbbbb");
    add("a-1-aaa");
    assertThat(registry.list()).extracting(Chamber::id).containsExactly("a-1-aaa", "b-1-bbbbbbb");
  }
}
