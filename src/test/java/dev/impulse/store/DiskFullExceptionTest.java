package dev.impulse.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskFullExceptionTest {
  @TempDir Path dir;

  @Test
  void usableBytesAreThoseOfTheFileSystemHoldingThePathOrItsNearestExistingParent()
      throws Exception {
    long expected = Files.getFileStore(dir).getUsableSpace();
    long slack = 64L << 20; // other writers on the machine meanwhile
    assertThat(DiskFullException.usableBytes(dir))
        .hasValueSatisfying(v -> assertThat(v).isBetween(expected - slack, expected + slack));
    assertThat(DiskFullException.usableBytes(dir.resolve("not/yet/made")))
        .hasValueSatisfying(v -> assertThat(v).isBetween(expected - slack, expected + slack));
  }
}
