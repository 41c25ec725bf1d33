package dev.impulse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CdfChartTest {
  @Test
  void ticksRunInOneTwoFiveStepsFromBelowTheFastestToAboveTheSlowest() {
    assertThat(CdfChart.ticks(70, 4600))
        .containsExactly(50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0);
    assertThat(CdfChart.ticks(100, 100)).containsExactly(100.0);
    assertThat(CdfChart.ticks(0.3, 0.7)).containsExactly(0.2, 0.5, 1.0);
  }

  @Test
  void eachSeriesIsDrawnWithItsMedianInTheLegend(@TempDir Path dir) throws Exception {
    Path svg = dir.resolve("chart.svg");
    new CdfChart("t")
        .add("fast", List.of(80.0, 90.0, 100.0))
        .add("slow & old", List.of(4000.0, 4100.0))
        .write(svg);
    String text = Files.readString(svg);
    assertThat(text)
        .startsWith("<svg")
        .contains("fast (p50 90 ms)", "slow &amp; old (p50 4050 ms)");
    assertThat(text.split("<polyline", -1)).hasSize(3);
  }
}
