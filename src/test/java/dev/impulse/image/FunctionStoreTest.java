package dev.impulse.image;

import static dev.impulse.testing.Tars.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.impulse.store.FunctionRow;
import dev.impulse.store.Store;
import dev.impulse.store.StoreException;
import dev.impulse.testing.Tars;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FunctionStoreTest {
  @TempDir Path data;
  private FunctionStore store;
  private final FunctionRef sample = new FunctionRef("sampleapp", "1.0.0");

  private Store db;

  @BeforeEach
  void open() {
    db = Store.open(data.resolve("impulse.db"), 0);
    store = newStore(1 << 20);
    store.open();
  }

  @AfterEach
  void close() {
    db.close();
  }

  private FunctionStore newStore(long maxArchive) {
    return newStore(maxArchive, 100);
  }

  private FunctionStore newStore(long maxArchive, int maxFunctions) {
    return new FunctionStore(
        data.resolve("functions"),
        data.resolve("tmp"),
        data.resolve("guests"),
        maxArchive,
        maxArchive * 8,
        2,
        maxFunctions,
        db,
        InstantSource.fixed(Instant.ofEpochMilli(1234)));
  }

  private static ByteArrayInputStream in(byte[] bytes) {
    return new ByteArrayInputStream(bytes);
  }

  @Test
  void storesTheGuestAsAnOverlayLayer() {
    FunctionStore.PutResult result =
        store.put(sample, in(Tars.function("def skyhook(r, m): return r")));
    assertThat(result.created()).isTrue();
    StoredFunction stored = result.function();
    assertThat(stored.layer().resolve("opt/guest/main.py")).exists();
    assertThat(stored.createdTimeMillis()).isEqualTo(1234);
    assertThat(stored.digest()).hasSize(64);
    assertThat(store.list()).containsExactly(stored);
  }

  @Test
  void aSingleTopLevelDirectoryIsTheGuest() {
    StoredFunction stored =
        store
            .put(sample, in(tar().dir("myfunc").file("myfunc/main.py", "x = 1").bytes()))
            .function();
    assertThat(stored.layer().resolve("opt/guest/main.py")).exists();
  }

  @Test
  void aLinkLeavingTheSingleTopLevelDirectoryIsRefused() throws IOException {
    byte[] archive =
        tar().dir("myfunc").file("myfunc/main.py", "x = 1").symlink("myfunc/up", "..").bytes();
    assertThatThrownBy(() -> store.put(sample, in(archive)))
        .isInstanceOf(InvalidArchiveException.class)
        .hasMessageContaining("archive entry 'myfunc/up' is refused")
        .hasMessageContaining("leaving the function's directory");
    assertThat(entries(data.resolve("tmp"))).isZero();
    assertThat(entries(data.resolve("functions"))).isZero();
  }

  @Test
  void mainPyMayBeALinkOnlyToAFileInside() {
    byte[] inside = tar().file("real.py", "x = 1").symlink("main.py", "real.py").bytes();
    assertThat(store.put(sample, in(inside)).created()).isTrue();
    byte[] aDirectory = tar().dir("main.py").file("main.py/x", "x").bytes();
    assertThatThrownBy(() -> store.put(new FunctionRef("other", "1"), in(aDirectory)))
        .isInstanceOf(InvalidArchiveException.class)
        .hasMessageContaining("holds no function at its top");
  }

  @Test
  void anArchiveWithoutMainPyIsRejectedAndLeavesNothing() throws IOException {
    assertThatThrownBy(() -> store.put(sample, in(tar().file("other.py", "x").bytes())))
        .isInstanceOf(InvalidArchiveException.class)
        .hasMessageContaining("holds no function at its top");
    assertThat(store.list()).isEmpty();
    assertThat(entries(data.resolve("tmp"))).isZero();
    assertThat(entries(data.resolve("functions"))).isZero();
  }

  @Test
  void uploadingTheSameArchiveAgainChangesNothing() {
    byte[] archive = Tars.function("x = 1");
    StoredFunction first = store.put(sample, in(archive)).function();
    FunctionStore.PutResult again = store.put(sample, in(archive));
    assertThat(again.created()).isFalse();
    assertThat(again.function()).isEqualTo(first);
  }

  @Test
  void differentContentForAStoredVersionIsAConflict() {
    store.put(sample, in(Tars.function("x = 1")));
    assertThatThrownBy(() -> store.put(sample, in(Tars.function("x = 2"))))
        .isInstanceOf(FunctionConflictException.class)
        .hasMessageContaining("versions are immutable");
  }

  @Test
  void anArchiveOverTheLimitIsRefusedAndLeavesNothing() throws IOException {
    FunctionStore small = newStore(2048);
    small.open();
    assertThatThrownBy(() -> small.put(sample, in(tar().file("main.py", "x".repeat(4096)).bytes())))
        .isInstanceOf(FunctionTooLargeException.class)
        .hasMessageContaining("2048 bytes");
    assertThat(entries(data.resolve("tmp"))).isZero();
  }

  @Test
  void deletingRemovesTheVersionAndItsEmptyAppDirectory() {
    store.put(sample, in(Tars.function("x = 1")));
    assertThat(store.delete(sample)).isTrue();
    assertThat(store.delete(sample)).isFalse();
    assertThat(store.find(sample)).isEmpty();
    assertThat(data.resolve("functions/sampleapp")).doesNotExist();
  }

  @Test
  void reopeningFindsWhatWasStored() {
    store.put(sample, in(Tars.function("x = 1")));
    FunctionStore reopened = newStore(1 << 20);
    reopened.open();
    assertThat(reopened.find(sample)).isPresent();
  }

  /** impulse.db gone, as after a lost disk or a restore without it. */
  private FunctionStore reopenWithALostStateStore() throws IOException {
    db.close();
    for (String name : new String[] {"impulse.db", "impulse.db-wal", "impulse.db-shm"}) {
      Files.deleteIfExists(data.resolve(name));
    }
    db = Store.open(data.resolve("impulse.db"), 0);
    FunctionStore reopened = newStore(1 << 20);
    reopened.open();
    return reopened;
  }

  private static void writeGuest(Path guest, String source) throws IOException {
    Files.createDirectories(guest.resolve("lib"));
    Files.writeString(guest.resolve("main.py"), source);
    Files.writeString(guest.resolve("lib/util.py"), "X = 1");
    Files.createSymbolicLink(guest.resolve("alias.py"), Path.of("lib/util.py"));
  }

  @Test
  void aLostStateStoreBringsTheFunctionsBackWithTheirDigests() throws IOException {
    byte[] archive = Tars.function("x = 1");
    StoredFunction stored = store.put(sample, in(archive)).function();

    FunctionStore reopened = reopenWithALostStateStore();

    assertThat(reopened.list()).containsExactly(stored);
    assertThat(db.functions())
        .extracting(FunctionRow::digest, FunctionRow::archiveBytes, FunctionRow::createdTimeMillis)
        .containsExactly(tuple(stored.digest(), stored.archiveBytes(), stored.createdTimeMillis()));
    assertThat(reopened.put(sample, in(archive)).created())
        .as("the same archive is recognised as the stored version")
        .isFalse();
  }

  @Test
  void aVersionWithoutMetadataIsReimportedWithADigestOfItsTree() throws IOException {
    writeGuest(data.resolve("functions/ghost/1/layer/opt/guest"), "x = 1");
    writeGuest(data.resolve("functions/twin/1/layer/opt/guest"), "x = 1");
    writeGuest(data.resolve("functions/other/1/layer/opt/guest"), "x = 2");

    FunctionStore reopened = newStore(1 << 20);
    reopened.open();

    StoredFunction ghost = reopened.require(new FunctionRef("ghost", "1"));
    assertThat(ghost.digest()).startsWith("tree-sha256:").hasSize(12 + 64);
    assertThat(ghost.archiveBytes()).isZero();
    assertThat(ghost.layer().resolve("opt/guest/main.py")).hasContent("x = 1");
    assertThat(reopened.require(new FunctionRef("twin", "1")).digest())
        .as("the same tree, the same digest")
        .isEqualTo(ghost.digest());
    assertThat(reopened.require(new FunctionRef("other", "1")).digest())
        .isNotEqualTo(ghost.digest());
    assertThat(db.functions()).hasSize(3);
    assertThat(data.resolve("functions/ghost/1/function.json")).content().contains(ghost.digest());

    assertThat(reopenWithALostStateStore().require(new FunctionRef("ghost", "1")).digest())
        .as("kept through a second loss")
        .isEqualTo(ghost.digest());
  }

  @Test
  void aTreeDigestFollowsNoLinkAndSeesModes() throws IOException {
    Path a = data.resolve("a");
    Path b = data.resolve("b");
    writeGuest(a, "x = 1");
    writeGuest(b, "x = 1");
    Files.createSymbolicLink(a.resolve("out"), Path.of("../../.."));
    Files.createSymbolicLink(b.resolve("out"), Path.of("../../.."));
    assertThat(TreeDigest.of(a)).isEqualTo(TreeDigest.of(b));
    Files.setPosixFilePermissions(
        b.resolve("main.py"), PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(TreeDigest.of(a)).isNotEqualTo(TreeDigest.of(b));
  }

  @Test
  void aStrayDirectoryThatIsNoFunctionIsLeftInPlace() throws IOException {
    Files.createDirectories(data.resolve("functions/ghost/1/notes"));
    Files.createDirectories(data.resolve("functions/Not-A-Name/1/layer/opt/guest"));
    FunctionStore reopened = newStore(1 << 20);
    reopened.open();
    assertThat(reopened.list()).isEmpty();
    assertThat(data.resolve("functions/ghost/1/notes")).isDirectory();
    assertThat(data.resolve("functions/Not-A-Name/1/layer/opt/guest")).isDirectory();
  }

  @Test
  void aDeletionCutShortNeverBringsTheFunctionBack() throws IOException {
    store.put(sample, in(Tars.function("x = 1")));
    // the daemon died after moving the version out, before removing its row
    Files.move(data.resolve("functions/sampleapp/1.0.0"), data.resolve("tmp/deleted-1"));

    FunctionStore reopened = newStore(1 << 20);
    reopened.open();

    assertThat(reopened.find(sample)).isEmpty();
    assertThat(db.functions()).isEmpty();
    assertThat(entries(data.resolve("tmp"))).isZero();
    FunctionStore again = reopenWithALostStateStore();
    assertThat(again.find(sample)).isEmpty();
  }

  @Test
  void aDeletionWhoseRowCannotBeRemovedKeepsTheVersion() throws IOException {
    StoredFunction stored = store.put(sample, in(Tars.function("x = 1"))).function();
    db.close();
    assertThatThrownBy(() -> store.delete(sample)).isInstanceOf(StoreException.class);
    assertThat(stored.layer().resolve("opt/guest/main.py")).exists();
    assertThat(store.find(sample)).contains(stored);
    assertThat(entries(data.resolve("tmp"))).isZero();

    db = Store.open(data.resolve("impulse.db"), 0);
    FunctionStore reopened = newStore(1 << 20);
    reopened.open();
    assertThat(reopened.find(sample)).contains(stored);
  }

  @Test
  void anUploadWhoseRowCannotBeWrittenLeavesNothing() throws IOException {
    db.close();
    assertThatThrownBy(() -> store.put(sample, in(Tars.function("x = 1"))))
        .isInstanceOf(StoreException.class);
    assertThat(entries(data.resolve("tmp"))).isZero();
    assertThat(entries(data.resolve("functions"))).isZero();
    db = Store.open(data.resolve("impulse.db"), 0);
  }

  @Test
  void anUploadBeyondTheLimitIsRefusedAtOnce() throws Exception {
    byte[] archive = Tars.function("x = 1");
    CountDownLatch reading = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<FunctionStore.PutResult> first =
          pool.submit(
              () -> store.put(new FunctionRef("a", "1"), blocked(archive, reading, release)));
      Future<FunctionStore.PutResult> second =
          pool.submit(
              () -> store.put(new FunctionRef("b", "1"), blocked(archive, reading, release)));
      assertThat(reading.await(10, TimeUnit.SECONDS)).as("two uploads in flight").isTrue();

      ByteArrayInputStream third = in(archive);
      assertThatThrownBy(() -> store.put(sample, third))
          .isInstanceOf(UploadsBusyException.class)
          .hasMessageContaining("2 function uploads are already in flight")
          .hasMessageContaining("retry");
      assertThat(third.available()).as("nothing of it was read").isEqualTo(archive.length);

      release.countDown();
      assertThat(first.get(10, TimeUnit.SECONDS).created()).isTrue();
      assertThat(second.get(10, TimeUnit.SECONDS).created()).isTrue();
    }
    assertThat(store.put(sample, in(archive)).created()).as("the places are given back").isTrue();
  }

  /** A stream that says it started reading, then waits for {@code release}. */
  private static InputStream blocked(byte[] data, CountDownLatch reading, CountDownLatch release) {
    ByteArrayInputStream rest = in(data);
    return new InputStream() {
      private boolean started;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (!started) {
          started = true;
          reading.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            throw new InterruptedIOException();
          }
        }
        return rest.read(b, off, len);
      }
    };
  }

  @Test
  void aRowWhoseFilesAreGoneIsForgottenAtOpen() throws IOException {
    store.put(sample, in(Tars.function("x = 1")));
    dev.impulse.linux.FileTrees.deleteRecursively(data.resolve("functions/sampleapp"));
    FunctionStore reopened = newStore(1 << 20);
    reopened.open();
    assertThat(reopened.list()).isEmpty();
    assertThat(db.functions()).isEmpty();
  }

  @Test
  void dropInArchivesAreImportedWhenAskedFor() throws IOException {
    Files.createDirectories(data.resolve("guests"));
    Files.write(data.resolve("guests/my-app-2.0.0-rc1.tar"), Tars.function("x = 1"));
    FunctionRef ref = new FunctionRef("my-app", "2.0.0-rc1");
    assertThat(store.find(ref)).isPresent();
  }

  @Test
  void dropInsAreImportedWhenTheStoreOpens() throws IOException {
    Files.createDirectories(data.resolve("guests"));
    Files.write(
        data.resolve("guests/sampleapp-1.0.0.tar.gz"), tar().file("main.py", "x").gzipped());
    Files.write(data.resolve("guests/broken-1.tar"), "not a tar".getBytes());
    FunctionStore reopened = newStore(1 << 20);
    reopened.open();
    assertThat(reopened.list()).extracting(StoredFunction::ref).containsExactly(sample);
  }

  @Test
  void dropInNamesSplitAtTheFirstDashBeforeADigit() {
    assertThat(DropIns.parseName("sampleapp-1.0.0.tar"))
        .contains(new FunctionRef("sampleapp", "1.0.0"));
    assertThat(DropIns.parseName("my-app-1.0.0-rc1.tgz"))
        .contains(new FunctionRef("my-app", "1.0.0-rc1"));
    assertThat(DropIns.parseName("noversion.tar")).isEmpty();
    assertThat(DropIns.parseName("readme.txt")).isEmpty();
    assertThat(DropIns.parseName("Bad-1.tar")).isEmpty();
  }

  private static long entries(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> list = Files.list(dir)) {
      return list.count();
    }
  }

  @Test
  void aNewVersionBeyondTheLimitIsRefusedButTheSameArchiveAgainIsNot() {
    FunctionStore store = newStore(1 << 20, 2);
    store.open();
    store.put(new FunctionRef("a", "1"), in(Tars.function("def skyhook(r, m):\n  return 1\n")));
    store.put(new FunctionRef("a", "2"), in(Tars.function("def skyhook(r, m):\n  return 2\n")));
    assertThatThrownBy(() ->
            store.put(
                new FunctionRef("a", "3"), in(Tars.function("def skyhook(r, m):\n  return 3\n"))))
        .isInstanceOf(FunctionStoreFullException.class)
        .hasMessageContaining("--max-functions");
    assertThat(
            store
                .put(
                    new FunctionRef("a", "2"),
                    in(Tars.function("def skyhook(r, m):\n  return 2\n")))
                .created())
        .isFalse();
    assertThat(store.list()).hasSize(2);
  }
}
