package dev.impulse.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PulledRuntimesTest {
  @TempDir Path dir;

  /** Refuses every pull with the registry's kind of message; counts them. */
  private static final class RefusingPuller implements RuntimePuller {
    final List<String> pulled = new ArrayList<>();

    @Override
    public String canonical(String reference) {
      if (!reference.contains("/")) {
        throw new InvalidRuntimeImageException("name the registry: " + reference);
      }
      return reference.contains(":") ? reference : reference + ":latest";
    }

    @Override
    public RuntimeImage pull(String reference, Consumer<String> progress) {
      pulled.add(reference);
      progress.accept("layer 1/1");
      throw new RuntimePullException("manifest unknown: " + reference, null);
    }
  }

  private final RefusingPuller puller = new RefusingPuller();

  private PulledRuntimes runtimes() throws IOException {
    return new PulledRuntimes(
        dir,
        puller,
        () -> dir.resolve("skyhook"),
        Set.of("python3.11", "python3"),
        what -> {},
        Runnable::run);
  }

  @Test
  void aBuiltInNameOrAliasCannotBeTaken() throws IOException {
    PulledRuntimes runtimes = runtimes();
    assertThatThrownBy(() -> runtimes.put("python3", "python", "h.test/p", Optional.empty()))
        .isInstanceOf(RuntimeConflictException.class)
        .hasMessageContaining("built in");
    assertThat(puller.pulled).isEmpty();
  }

  @Test
  void anUnknownLanguageABadReferenceOrARelativeInterpreterIsRefusedBeforeAnyPull()
      throws IOException {
    PulledRuntimes runtimes = runtimes();
    assertThatThrownBy(() -> runtimes.put("py", "cobol", "h.test/p", Optional.empty()))
        .isInstanceOf(InvalidRuntimeImageException.class)
        .hasMessageContaining("python, node, java, binary");
    assertThatThrownBy(() -> runtimes.put("py", "python", "nohost", Optional.empty()))
        .isInstanceOf(InvalidRuntimeImageException.class);
    assertThatThrownBy(() -> runtimes.put("py", "python", "h.test/p", Optional.of("python3")))
        .isInstanceOf(InvalidRuntimeImageException.class)
        .hasMessageContaining("absolute");
    assertThatThrownBy(
            () -> runtimes.put("py", "python", "h.test/p", Optional.of("/usr/../etc/passwd")))
        .isInstanceOf(InvalidRuntimeImageException.class);
    assertThatThrownBy(() -> runtimes.put("../x", "python", "h.test/p", Optional.empty()))
        .isInstanceOf(InvalidNameException.class);
    assertThat(puller.pulled).isEmpty();
    assertThat(runtimes.statuses()).isEmpty();
  }

  @Test
  void aFailedPullShowsItsReasonAndChambersNamingTheRuntimeAreToldWhy() throws IOException {
    PulledRuntimes runtimes = runtimes();
    PulledRuntimes.Answer answer = runtimes.put("py", "python", "h.test/p", Optional.empty());
    assertThat(answer.created()).isTrue();
    PulledRuntimes.Status status = runtimes.status("py").orElseThrow();
    assertThat(status.phase()).isEqualTo(PulledRuntimes.Phase.FAILED);
    assertThat(status.detail()).contains("manifest unknown: h.test/p:latest");
    assertThat(status.image()).isEqualTo("h.test/p:latest");
    assertThatThrownBy(() -> runtimes.find("py"))
        .isInstanceOf(RuntimeNotReadyException.class)
        .hasMessageContaining("failed to pull")
        .hasMessageContaining("manifest unknown");
    assertThat(runtimes.find("other")).isEmpty();
  }

  @Test
  void puttingAFailedRuntimeAgainPullsAgain() throws IOException {
    PulledRuntimes runtimes = runtimes();
    runtimes.put("py", "python", "h.test/p", Optional.empty());
    PulledRuntimes.Answer again = runtimes.put("py", "python", "h.test/p", Optional.empty());
    assertThat(again.created()).isFalse();
    assertThat(again.changed()).isTrue();
    assertThat(puller.pulled).hasSize(2);
  }

  @Test
  void theNumberOfPulledRuntimesIsBounded() throws IOException {
    PulledRuntimes runtimes = runtimes();
    for (int i = 0; i < PulledRuntimes.MAX_RUNTIMES; i++) {
      runtimes.put("r" + i, "node", "h:5000/n", Optional.empty());
    }
    assertThatThrownBy(() -> runtimes.put("one-more", "node", "h:5000/n", Optional.empty()))
        .isInstanceOf(RuntimeConflictException.class)
        .hasMessageContaining(Integer.toString(PulledRuntimes.MAX_RUNTIMES));
    assertThat(runtimes.delete("r0")).isTrue();
    assertThat(runtimes.delete("r0")).isFalse();
    runtimes.put("one-more", "node", "h:5000/n", Optional.empty());
  }

  @Test
  void aRecordWhoseLayersAreGoneComesBackFailedWithWhatToDo() throws IOException {
    RuntimeDefinition runtime =
        RuntimeDefinition.pulled(
            "py",
            Language.PYTHON,
            Optional.of("/usr/bin/python3"),
            new RuntimeImage(
                "h:5000/p:1", "sha256:" + "a".repeat(64), List.of(dir.resolve("gone")), List.of()));
    PulledRuntimeRecord.of(runtime).write(dir);
    Files.writeString(dir.resolve(".half.json.tmp"), "{");
    PulledRuntimes runtimes = runtimes();
    PulledRuntimes.Status status = runtimes.status("py").orElseThrow();
    assertThat(status.phase()).isEqualTo(PulledRuntimes.Phase.FAILED);
    assertThat(status.detail()).contains("gone from the layer store").contains("PUT /runtimes/py");
    assertThat(dir.resolve(".half.json.tmp")).doesNotExist();
  }

  @Test
  void aRecordWhoseLayersAreThereComesBackPulledWithItsImage() throws IOException {
    Path layer = Files.createDirectories(dir.resolve("layer"));
    RuntimeDefinition runtime =
        RuntimeDefinition.pulled(
            "py",
            Language.PYTHON,
            Optional.of("/usr/local/bin/python3"),
            new RuntimeImage(
                "h:5000/p:1",
                "sha256:" + "b".repeat(64),
                List.of(layer),
                List.of("PATH=/usr/local/bin:/usr/bin", "LANG=C.UTF-8", "SKYHOOK_PORT=1")));
    PulledRuntimeRecord.of(runtime).write(dir);
    PulledRuntimes runtimes = runtimes();
    RuntimeDefinition back = runtimes.find("py").orElseThrow();
    assertThat(back).isEqualTo(runtime);
    assertThat(back.environment())
        .containsEntry("PATH", "/usr/local/bin:/usr/bin")
        .doesNotContainKey("SKYHOOK_PORT");
    assertThat(runtimes.layersInUse()).containsExactly(layer);
  }

  @Test
  void anImagesEnvironmentIsBoundedAndMustBeNamesAndValues() {
    Path layer = dir.resolve("layer");
    List<String> many = new ArrayList<>();
    for (int i = 0; i <= RuntimeImage.MAX_ENV; i++) {
      many.add("V" + i + "=x");
    }
    assertThatThrownBy(() -> new RuntimeImage("h.test/p:1", "d", List.of(layer), many))
        .hasMessageContaining("at most " + RuntimeImage.MAX_ENV);
    assertThatThrownBy(() ->
            new RuntimeImage("h.test/p:1", "d", List.of(layer), List.of("A=" + "x".repeat(70_000))))
        .hasMessageContaining("bytes in all");
    for (String bad : List.of("NOEQUALS", "=x", "1A=x", "A B=x", "A=x\0y")) {
      assertThatThrownBy(() -> new RuntimeImage("h.test/p:1", "d", List.of(layer), List.of(bad)))
          .as(bad)
          .hasMessageContaining("does not pass on");
    }
    assertThat(new RuntimeImage("h.test/p:1", "d", List.of(layer), List.of("A_1=x=y")).env())
        .containsExactly("A_1=x=y");
  }

  @Test
  void putsWhileAPullWaitsLeaveOnePullOfTheLastImageAndADeleteNone() throws IOException {
    List<Runnable> waiting = new ArrayList<>();
    PulledRuntimes runtimes =
        new PulledRuntimes(
            dir, puller, () -> dir.resolve("skyhook"), Set.of(), what -> {}, waiting::add);
    for (int i = 0; i < 40; i++) {
      runtimes.put("py", "python", "h.test/p:" + (i % 2), Optional.empty());
    }
    runtimes.put("gone", "python", "h.test/g:1", Optional.empty());
    runtimes.delete("gone");
    assertThat(waiting).as("one waiting pull per name").hasSize(2);
    waiting.forEach(Runnable::run);
    assertThat(puller.pulled).containsExactly("h.test/p:1");
  }

  @Test
  void aFullDiskFailsThePullSayingSoBeforeAnythingIsFetched() throws IOException {
    PulledRuntimes runtimes =
        new PulledRuntimes(
            dir,
            puller,
            () -> dir.resolve("skyhook"),
            Set.of(),
            what -> {
              throw new IllegalStateException("no space for " + what);
            },
            Runnable::run);
    runtimes.put("py", "python", "h.test/p", Optional.empty());
    assertThat(runtimes.status("py").orElseThrow().detail())
        .contains("no space for pulling runtime py");
    assertThat(puller.pulled).isEmpty();
  }

  @Test
  void aPullForABakedImageIsRefusedOnAFullDiskLikeAnyOtherBeforeItFetches() throws IOException {
    PulledRuntimes runtimes =
        new PulledRuntimes(
            dir,
            puller,
            () -> dir.resolve("skyhook"),
            Set.of(),
            what -> {
              throw new IllegalStateException("no space for " + what);
            },
            Runnable::run);
    List<String> ran = new ArrayList<>();
    assertThatThrownBy(() -> runtimes.whileStoring("pulling image h.test/f:1", () -> ran.add("x")))
        .hasMessageContaining("no space for pulling image h.test/f:1");
    assertThat(ran).isEmpty();
    PulledRuntimes roomy =
        new PulledRuntimes(
            dir.resolve("roomy"),
            puller,
            () -> dir.resolve("skyhook"),
            Set.of(),
            w -> {},
            Runnable::run);
    assertThat(roomy.whileStoring("pulling image h.test/f:1", () -> ran.add("x"))).isTrue();
  }
}
