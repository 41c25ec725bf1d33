package dev.impulse.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaseimagesTest {
  @TempDir Path dir;
  private final AtomicInteger builds = new AtomicInteger();
  private final RuntimeDefinition python = RuntimeCatalog.standard().resolve("python3.11");

  /** Stands in for mmdebstrap: makes a root file system with the interpreter in it. */
  private final RootfsBuilder fake =
      (recipe, target, progress) -> {
        builds.incrementAndGet();
        progress.accept("I: pretending to build " + recipe.runtime().suite());
        try {
          Path interpreter =
              target.resolve(recipe.runtime().interpreter().orElseThrow().substring(1));
          Files.createDirectories(interpreter.getParent());
          Files.writeString(interpreter, "#!/bin/sh\n");
          interpreter.toFile().setExecutable(true);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      };

  @Test
  void buildsOnceAndThenReusesTheBaseimage() {
    Baseimages baseimages = new Baseimages(dir, fake);
    assertThat(baseimages.status(python).phase()).isEqualTo(Baseimages.Phase.NOT_BUILT);
    Baseimage first = baseimages.ensureBuilt(python);
    Baseimage second = new Baseimages(dir, fake).ensureBuilt(python);
    assertThat(builds).hasValue(1);
    assertThat(second).isEqualTo(first);
    assertThat(first.rootfs().resolve("usr/bin/python3.11")).exists();
    assertThat(first.skyhookLayer().resolve("opt/skyhook/skyhook.py")).exists();
    assertThat(baseimages.status(python).phase()).isEqualTo(Baseimages.Phase.BUILT);
  }

  @Test
  void concurrentCallersShareOneBuild() throws Exception {
    Baseimages baseimages = new Baseimages(dir, fake);
    CountDownLatch go = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      List<Future<Baseimage>> results =
          java.util.stream.IntStream.range(0, 8)
              .mapToObj(i ->
                  pool.submit(() -> {
                    go.await();
                    return baseimages.ensureBuilt(python);
                  }))
              .toList();
      go.countDown();
      for (Future<Baseimage> result : results) {
        assertThat(result.get().rootfs()).exists();
      }
    }
    assertThat(builds).hasValue(1);
  }

  @Test
  void aFailedBuildIsReportedAndRetriedOnNextUse() {
    RootfsBuilder failing =
        (recipe, target, progress) -> {
          builds.incrementAndGet();
          throw new BaseimageBuildException("mmdebstrap bookworm failed (exit 1)");
        };
    Baseimages baseimages = new Baseimages(dir, failing);
    assertThatThrownBy(() -> baseimages.ensureBuilt(python)).hasMessageContaining("exit 1");
    assertThat(baseimages.status(python).phase()).isEqualTo(Baseimages.Phase.FAILED);
    assertThat(baseimages.status(python).detail()).contains("exit 1");
    assertThatThrownBy(() -> baseimages.ensureBuilt(python))
        .isInstanceOf(BaseimageBuildException.class);
    assertThat(builds).hasValue(2);
    assertThat(dir.resolve("os"))
        .as("a failed build leaves no partial root file system")
        .isDirectoryNotContaining(p -> p.getFileName().toString().contains("python3.11-"));
  }

  @Test
  void aBuildWithoutTheInterpreterIsAFailure() {
    Baseimages baseimages =
        new Baseimages(dir, (recipe, target, progress) -> target.toFile().mkdirs());
    assertThatThrownBy(() -> baseimages.ensureBuilt(python))
        .hasMessageContaining("has no /usr/bin/python3.11");
  }

  @Test
  void theRecipeDigestFollowsTheRecipe() {
    RuntimeDefinition other =
        new RuntimeDefinition(
            "python3.11",
            Language.PYTHON,
            "bookworm",
            java.util.Optional.of("/usr/bin/python3.11"),
            List.of("python3", "curl"));
    assertThat(new BaseimageRecipe(python).digest())
        .isEqualTo(new BaseimageRecipe(python).digest());
    assertThat(new BaseimageRecipe(other).digest())
        .isNotEqualTo(new BaseimageRecipe(python).digest());
  }

  @Test
  void aRecipeKeepsTheDigestItsBuildIsStoredUnder() {
    // A changed digest rebuilds that baseimage on every node: pinned, so that it is a decision
    // (the last one: the essential hook the JRE's postinst needs, 2026-12-01).
    assertThat(new BaseimageRecipe(python).digest()).isEqualTo("cea25ad9e31e");
    assertThat(new BaseimageRecipe(RuntimeCatalog.standard().resolve("python3.9")).digest())
        .isEqualTo("7320860ea159");
  }

  @Test
  void theRecipeLetsMmdebstrapPickTheMirror() {
    List<String> command =
        new BaseimageRecipe(python).command(Path.of("/usr/bin/mmdebstrap"), Path.of("/t"));
    assertThat(command).contains("--variant=essential", "--include=python3", "bookworm", "/t");
    assertThat(String.join(" ", command)).doesNotContain("http");
  }

  @Test
  void pruneRemovesOtherRecipesAndWrappersButNotTheCurrentOnesOrThoseInUse() throws IOException {
    Baseimages baseimages = new Baseimages(dir, fake);
    Path current = baseimages.ensureBuilt(python).rootfs().getParent();
    Path stale = Files.createDirectories(dir.resolve("os/python3.11-000000000000/rootfs"));
    Path mounted = Files.createDirectories(dir.resolve("os/python3.9-111111111111/rootfs"));
    Path building = Files.createDirectories(dir.resolve("os/.tmp-python3.11-222222222222"));
    Path oldWrappers = Files.createDirectories(dir.resolve("skyhook/333333333333/opt"));

    Baseimages.Pruned pruned = baseimages.prune(java.util.List.of(python), p -> p.equals(mounted));

    assertThat(pruned.removed())
        .containsExactlyInAnyOrder(stale.getParent(), oldWrappers.getParent());
    assertThat(pruned.inUse()).containsExactly(mounted.getParent());
    assertThat(current).isDirectory();
    assertThat(mounted).isDirectory();
    assertThat(building).as("a build in progress is its runtime's to finish").isDirectory();
    assertThat(stale.getParent()).doesNotExist();
    assertThat(oldWrappers.getParent()).doesNotExist();
    assertThat(baseimages.ifBuilt(python)).isPresent();
  }
}
