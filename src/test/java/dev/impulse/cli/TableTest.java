package dev.impulse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.impulse.client.ChamberSummary;
import dev.impulse.client.DeploymentSummary;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TableTest {
  @Test
  void columnsArePaddedToTheirWidestCellWithoutTrailingSpaces() {
    assertThat(Table.render(List.of("A", "LONG"), List.of(List.of("wide cell", "x"))))
        .isEqualTo("A          LONG\nwide cell  x\n");
  }

  @Test
  void anEmptyCellIsADashAndControlCharactersAreHidden() {
    assertThat(Table.render(List.of("A", "B"), List.of(List.of("", "x\u001b[31m\ny"))))
        .isEqualTo("A  B\n-  x?[31m?y\n");
  }

  @Test
  void noRowsIsTheHeaderAlone() {
    assertThat(LsCommand.table(List.of()))
        .isEqualTo("APP  VERSION  RUNTIME  CHAMBERS  IN-FLIGHT  QUEUED\n");
  }

  @Test
  void deploymentsShowTheirChamberCountAndLoad() {
    assertThat(
            LsCommand.table(
                List.of(
                    new DeploymentSummary("shop", "1.0.0", "python3.11", List.of("a", "b"), 3, 0),
                    new DeploymentSummary("x", "2", "python3", List.of(), 0, 12))))
        .isEqualTo(
            """
            APP   VERSION  RUNTIME     CHAMBERS  IN-FLIGHT  QUEUED
            shop  1.0.0    python3.11  2         3          0
            x     2        python3     0         0          12
            """);
  }

  @Test
  void chambersShowTheirDeploymentOrADash() {
    assertThat(
            PsCommand.table(
                List.of(
                    new ChamberSummary(
                        "shop-1.0.0-abcde", "RUNNING", 6000, "shop", "1.0.0", Optional.of("shop")),
                    new ChamberSummary("x-2-fghij", "FAILED", 0, "x", "2", Optional.empty()))))
        .isEqualTo(
            """
            ID                STATUS   PORT  APP   VERSION  DEPLOYMENT
            shop-1.0.0-abcde  RUNNING  6000  shop  1.0.0    shop
            x-2-fghij         FAILED   -     x     2        -
            """);
  }
}
