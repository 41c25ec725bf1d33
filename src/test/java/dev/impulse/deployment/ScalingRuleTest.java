package dev.impulse.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ScalingRuleTest {
  private static Scaling scaling(int concurrency, int min, int max) {
    return new Scaling(concurrency, min, max, 60_000);
  }

  @Test
  void desiredIsTheMeanLoadOverConcurrencyRoundedUp() {
    assertThat(ScalingRule.decide(scaling(2, 0, 10), 5, 0, 0).desired()).isEqualTo(3);
    assertThat(ScalingRule.decide(scaling(2, 0, 10), 4, 0, 0).desired()).isEqualTo(2);
    assertThat(ScalingRule.decide(scaling(1, 0, 10), 0.1, 0, 0).desired()).isEqualTo(1);
  }

  @Test
  void theReasonGivesTheMeanLoadAndTheConcurrency() {
    ScalingRule.Decision d = ScalingRule.decide(scaling(2, 0, 10), 2.5, 2, 0);
    assertThat(d.reason()).isEqualTo("mean load 2.5 at 2 per chamber");
  }

  @Test
  void desiredIsCappedAtMaxChambersAndTheReasonSaysSo() {
    ScalingRule.Decision d = ScalingRule.decide(scaling(1, 0, 4), 9, 0, 0);
    assertThat(d.desired()).isEqualTo(4);
    assertThat(d.reason()).isEqualTo("mean load 9.0 at 1 per chamber, capped at maxChambers 4");
  }

  @Test
  void desiredIsRaisedToMinChambersAndTheReasonSaysSo() {
    ScalingRule.Decision d = ScalingRule.decide(scaling(1, 3, 10), 1, 1, 0);
    assertThat(d.desired()).isEqualTo(3);
    assertThat(d.reason()).isEqualTo("mean load 1.0 at 1 per chamber, raised to minChambers 3");
  }

  @Test
  void aDesiredWithinTheBoundsSaysNeitherRaisedNorCapped() {
    ScalingRule.Decision d = ScalingRule.decide(scaling(1, 1, 3), 2, 2, 0);
    assertThat(d.desired()).isEqualTo(2);
    assertThat(d.reason()).doesNotContain("raised", "capped");
  }

  @Test
  void queuedRequestsScaleUpAtOnceEvenWhenTheMeanIsLow() {
    ScalingRule.Decision d = ScalingRule.decide(scaling(2, 0, 10), 0.5, 2, 3);
    assertThat(d.desired()).isEqualTo(3);
    assertThat(d.reason()).isEqualTo("3 queued and 2 in flight at 2 per chamber");
  }

  @Test
  void queuedRequestsScaleUpNoFurtherThanMaxChambers() {
    ScalingRule.Decision d = ScalingRule.decide(scaling(1, 0, 2), 0, 1, 8);
    assertThat(d.desired()).isEqualTo(2);
    assertThat(d.reason()).endsWith(", capped at maxChambers 2");
  }

  @Test
  void aHigherMeanWinsOverTheLoadRightNow() {
    assertThat(ScalingRule.decide(scaling(1, 0, 10), 6, 1, 1).desired()).isEqualTo(6);
  }

  @Test
  void noLoadWantsMinChambers() {
    assertThat(ScalingRule.decide(scaling(1, 0, 10), 0, 0, 0).desired()).isZero();
    ScalingRule.Decision kept = ScalingRule.decide(scaling(1, 2, 10), 0, 0, 0);
    assertThat(kept.desired()).isEqualTo(2);
    assertThat(kept.reason()).isEqualTo("mean load 0.0 at 1 per chamber, raised to minChambers 2");
  }
}
