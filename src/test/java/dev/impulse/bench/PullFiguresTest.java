package dev.impulse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PullFiguresTest {
  @Test
  void aBaselinesSyncfsCountsInItsDurableTotalOnly() {
    PullFigures figures = new PullFigures();
    PullFigures.Run run = new PullFigures.Run(3000).cpu(new ProcStats.CpuTimes(2500, 1500));
    run.step(PullFigures.Step.COPIED, 1000);
    run.step(PullFigures.Step.UNPACKED, 2000);
    run.step(PullFigures.Step.SYNCED, 400);

    figures.add(PullFigures.Method.UMOCI_RAW, run);

    assertThat(figures.totals.get(PullFigures.Method.UMOCI_RAW).values()).containsExactly(3000.0);
    assertThat(figures.withSync.get(PullFigures.Method.UMOCI_RAW).values()).containsExactly(3400.0);
    assertThat(figures.last(PullFigures.Method.UMOCI_RAW)).isEqualTo(3000.0);
    assertThat(figures.last(PullFigures.Method.IMPULSE)).isNaN();
    assertThat(figures.cpu.get(PullFigures.Method.UMOCI_RAW).values()).containsExactly(4000.0);
    assertThat(figures.kernel.get(PullFigures.Method.UMOCI_RAW).values()).containsExactly(1500.0);
  }
}
