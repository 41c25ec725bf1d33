package dev.impulse.oci.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerCacheTest {
  private static final String KEY = "baseimage python3.11-0123456789ab";

  @TempDir Path tmp;
  private Path dir;
  private Path tree;
  private LayerCache cache;
  private final AtomicInteger writes = new AtomicInteger();

  @BeforeEach
  void setUp() throws IOException {
    dir = tmp.resolve("cache");
    tree = Files.createDirectories(tmp.resolve("tree"));
    SampleTree.file(tree.resolve("hello.txt"), "hello\n", "rw-r--r--");
    cache = LayerCache.open(dir);
  }

  /** Writes the tree, counting the writes. */
  private LayerCache.BlobWriter counted() {
    return file -> {
      writes.incrementAndGet();
      return new LayerWriter(LayerOptions.DEFAULT).write(tree, file);
    };
  }

  private List<Path> leftovers() throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve("tmp"))) {
      return files.toList();
    }
  }

  @Test
  void aKeyIsWrittenOnceAndFoundAgainByANewInstance() throws IOException {
    LayerBlob first = cache.ensure(KEY, counted());
    LayerBlob again = cache.ensure(KEY, counted());
    LayerBlob afterRestart = LayerCache.open(dir).ensure(KEY, counted());

    assertThat(writes).hasValue(1);
    assertThat(again).isEqualTo(first);
    assertThat(afterRestart).isEqualTo(first);
    assertThat(first.file()).startsWith(dir.resolve("entries")).hasSize(first.size());
    assertThat(cache.find(KEY)).contains(first);
    assertThat(cache.find("another key")).isEmpty();
  }

  @Test
  void concurrentEnsuresOfOneKeyWriteItOnceAlsoFromTwoInstances() throws Exception {
    LayerCache other = LayerCache.open(dir);
    CountDownLatch gate = new CountDownLatch(1);
    LayerCache.BlobWriter slow =
        file -> {
          try {
            gate.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return counted().write(file);
        };
    List<Future<LayerBlob>> results = new ArrayList<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 6; i++) {
        LayerCache which = i % 2 == 0 ? cache : other;
        results.add(threads.submit(() -> which.ensure(KEY, slow)));
      }
      Thread.sleep(200);
      gate.countDown();
      LayerBlob expected = results.getFirst().get();
      for (Future<LayerBlob> result : results) {
        assertThat(result.get()).isEqualTo(expected);
      }
    }
    assertThat(writes).hasValue(1);
  }

  @Test
  void aFailingWriterLeavesNothingAndTheNextEnsureWritesTheKey() throws IOException {
    LayerCache.BlobWriter failing =
        file -> {
          Files.writeString(file, "half a layer");
          throw new IOException("the disk is full");
        };
    assertThatThrownBy(() -> cache.ensure(KEY, failing)).hasMessage("the disk is full");
    assertThat(cache.find(KEY)).isEmpty();
    assertThat(cache.entries()).isEmpty();
    assertThat(leftovers()).isEmpty();
    assertThat(dir.resolve("entries")).isEmptyDirectory();

    assertThat(cache.ensure(KEY, counted()).file()).exists();
    assertThat(writes).hasValue(1);
  }

  @Test
  void aWriterThatWroteAnotherFileIsRefused() throws IOException {
    LayerBlob elsewhere = new LayerWriter(LayerOptions.DEFAULT).write(tree, tmp.resolve("other"));
    assertThatThrownBy(() -> cache.ensure(KEY, file -> elsewhere))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not the file it was given");
    assertThat(cache.entries()).isEmpty();
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void entriesAreListedSizedAndRemoved() throws IOException {
    LayerBlob first = cache.ensure(KEY, counted());
    SampleTree.file(tree.resolve("more.txt"), "x".repeat(5000), "rw-r--r--");
    LayerBlob second = cache.ensure("skyhook 1", counted());

    assertThat(cache.entries())
        .containsExactly(
            new LayerCache.Entry(KEY, first), new LayerCache.Entry("skyhook 1", second));
    assertThat(cache.sizeBytes()).isEqualTo(first.size() + second.size());

    assertThat(cache.remove(KEY)).isTrue();
    assertThat(cache.remove(KEY)).isFalse();
    assertThat(first.file()).doesNotExist();
    assertThat(cache.entries()).containsExactly(new LayerCache.Entry("skyhook 1", second));
    assertThat(cache.sizeBytes()).isEqualTo(second.size());
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void anEntryWhoseBlobIsDamagedIsWrittenAgain() throws IOException {
    LayerBlob blob = cache.ensure(KEY, counted());
    Files.writeString(blob.file(), "truncated");
    assertThatThrownBy(() -> cache.find(KEY)).hasMessageContaining("remove the key");
    assertThat(cache.entries()).isEmpty();

    assertThat(cache.ensure(KEY, counted())).isEqualTo(blob);
    assertThat(writes).hasValue(2);
  }

  @Test
  void keysMustBeNonBlankWithoutControlCharacters() {
    for (String bad : List.of("", "  ", "a\nb", "x".repeat(1025))) {
      assertThatThrownBy(() -> cache.find(bad)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
