package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CellPoolsTotalTest {
  @Test
  void allPoolsTogetherHoldAtMostTheNodesTotalCountingTheResizedOneOnce() {
    Map<String, Integer> sizes = Map.of("a", 64, "b", 64, "c", 64, "d", 60);
    assertThatCode(() -> CellPools.checkTotal(sizes, "d", 64)).doesNotThrowAnyException();
    assertThatThrownBy(() -> CellPools.checkTotal(sizes, "e", 5))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("at most " + CellPools.MAX_TOTAL)
        .hasMessageContaining("the others hold 252");
  }
}
