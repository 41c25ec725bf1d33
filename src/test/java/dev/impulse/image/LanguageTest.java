package dev.impulse.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.impulse.linux.RootedDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LanguageTest {
  @TempDir Path dir;

  private boolean isGuest(Language language) {
    try (RootedDir root = RootedDir.open(dir)) {
      return language.isGuest(root, "");
    }
  }

  @Test
  void eachLanguageRecognisesItsOwnEntryOnly() throws IOException {
    Files.writeString(dir.resolve("index.js"), "exports.skyhook = () => 1;");
    assertThat(isGuest(Language.NODE)).isTrue();
    assertThat(isGuest(Language.PYTHON)).isFalse();
    assertThat(isGuest(Language.JAVA)).isFalse();
    assertThat(isGuest(Language.BINARY)).isFalse();
  }

  @Test
  void aJavaGuestIsAnyJarAtTheTop() throws IOException {
    Files.createDirectories(dir.resolve("lib"));
    Files.write(dir.resolve("lib/dep.jar"), new byte[] {1});
    assertThat(isGuest(Language.JAVA)).as("a jar below the top is a dependency only").isFalse();
    Files.write(dir.resolve("fn.jar"), new byte[] {1});
    assertThat(isGuest(Language.JAVA)).isTrue();
  }

  @Test
  void aBinaryGuestMustBeExecutable() throws IOException {
    Path skyhook = Files.writeString(dir.resolve("skyhook"), "\u007fELF");
    Files.setPosixFilePermissions(skyhook, PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(isGuest(Language.BINARY)).isFalse();
    Files.setPosixFilePermissions(skyhook, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(isGuest(Language.BINARY)).isTrue();
  }

  @Test
  void aBinaryGuestIsAFileNotALink() throws IOException {
    Path real = Files.writeString(dir.resolve("real"), "\u007fELF");
    Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r--r--"));
    Files.createSymbolicLink(dir.resolve("skyhook"), Path.of("real"));
    assertThat(isGuest(Language.BINARY)).isFalse();
  }

  @Test
  void anEntryLinkedOutsideTheGuestIsNoGuest() throws IOException {
    Path outside = Files.writeString(dir.resolveSibling(dir.getFileName() + "-x.py"), "x = 1");
    try {
      Files.createSymbolicLink(dir.resolve("main.py"), outside);
      assertThat(isGuest(Language.PYTHON)).isFalse();
    } finally {
      Files.delete(outside);
    }
  }

  @Test
  void aGuestInASubdirectoryIsFoundThere() throws IOException {
    Files.createDirectories(dir.resolve("fn"));
    Files.writeString(dir.resolve("fn/main.py"), "x = 1");
    try (RootedDir root = RootedDir.open(dir)) {
      assertThat(Language.anyGuest(root, "")).isFalse();
      assertThat(Language.anyGuest(root, "fn")).isTrue();
    }
  }

  @Test
  void aBinaryRunsItselfAndTheOthersRunTheirWrapper() {
    assertThat(Language.BINARY.command(Optional.empty())).containsExactly("/opt/guest/skyhook");
    assertThat(Language.NODE.command(Optional.of("/usr/bin/node")))
        .containsExactly("/usr/bin/node", "/opt/skyhook/skyhook.mjs");
    assertThat(Language.JAVA.command(Optional.of("/j/bin/java")))
        .startsWith("/j/bin/java")
        .endsWith("-cp", "/opt/skyhook/skyhook.jar", "dev.impulse.skyhook.Skyhook");
    assertThatThrownBy(() -> Language.PYTHON.command(Optional.empty()))
        .hasMessageContaining("needs an interpreter");
  }

  @Test
  void aCellTakesNoVariableItsInterpreterReadsOnlyAtStart() {
    assertThat(Language.PYTHON.cellTakes("GREETING")).isTrue();
    assertThat(Language.PYTHON.cellTakes("PYTHONPATH")).isFalse();
    assertThat(Language.NODE.cellTakes("GREETING")).isTrue();
    assertThat(Language.NODE.cellTakes("NODE_OPTIONS")).isFalse();
    assertThat(Language.NODE.cellTakes("UV_THREADPOOL_SIZE")).isFalse();
    for (Language language : List.of(Language.PYTHON, Language.NODE)) {
      assertThat(language.cellTakes("LD_PRELOAD")).isFalse();
      assertThat(language.cellTakes("LANG")).isFalse();
    }
    assertThat(Language.JAVA.cellTakes("GREETING"))
        .as("a JVM cannot change what System.getenv shows")
        .isFalse();
    assertThat(Language.BINARY.hasStemCells()).isFalse();
  }

  @Test
  void theStandardCatalogHasEveryLanguageWithItsAliases() {
    RuntimeCatalog catalog = RuntimeCatalog.standard();
    assertThat(catalog.resolve("node").name()).isEqualTo("node20");
    assertThat(catalog.resolve("java").name()).isEqualTo("java21");
    assertThat(catalog.resolve("binary").language()).isEqualTo(Language.BINARY);
    assertThat(catalog.resolve("binary").interpreter()).isEmpty();
    assertThat(catalog.runtimes().stream().map(RuntimeDefinition::language).distinct())
        .containsExactlyInAnyOrder(Language.values());
  }
}
