package dev.impulse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The table of bounds is written twice, in the README (where operators look) and in
 * docs/security.md (with the threat model); they must never disagree.
 */
class BoundsTableTest {
  private static final String HEADER = "| What | Bound | Where it is enforced |";

  @Test
  void theReadmeAndTheSecurityDocumentShowTheSameTableOfBounds() throws IOException {
    List<String> readme = table(Path.of("README.md"));
    List<String> security = table(Path.of("docs/security.md"));
    assertThat(readme).hasSizeGreaterThan(10);
    assertThat(readme).isEqualTo(security);
  }

  private static List<String> table(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    int start = lines.indexOf(HEADER);
    assertThat(start).as("%s has the table of bounds", file).isNotNegative();
    List<String> rows = new ArrayList<>();
    for (int i = start; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      rows.add(lines.get(i));
    }
    return rows;
  }
}
