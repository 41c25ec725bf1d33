package dev.impulse.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class WrkTest {
  private static final URI TARGET = URI.create("http://127.0.0.1:1/app/");

  private static String output(String p50, String extra) {
    return """
    Running 3s test @ http://127.0.0.1:1/app/
      1 threads and 4 connections
      Thread Stats   Avg      Stdev     Max   +/- Stdev
        Latency   445.00us  210.00us   9.87ms   91.02%
        Req/Sec     8.64k   512.00     9.10k    70.00%
      Latency Distribution
         50%  P50
         75%  520.00us
         90%  610.00us
         99%    1.20ms
      25920 requests in 3.00s, 5.12MB read
    EXTRARequests/sec:   8639.52
    Transfer/sec:      1.71MB
    """
        .replace("P50", p50)
        .replace("EXTRA", extra);
  }

  @Test
  void readsTheRateTheCallsAndTheMedianInAnyUnit() {
    Wrk.Result micros = Wrk.parse(TARGET, output("405.00us", ""));
    assertThat(micros.callsPerSecond()).isEqualTo(8639.52);
    assertThat(micros.calls()).isEqualTo(25920);
    assertThat(micros.p50Ms()).isEqualTo(0.405);
    assertThat(Wrk.parse(TARGET, output("1.50ms", "")).p50Ms()).isEqualTo(1.5);
    assertThat(Wrk.parse(TARGET, output("2.00s", "")).p50Ms()).isEqualTo(2000);
  }

  @Test
  void aRunWithFailedCallsOrSocketErrorsIsRefused() {
    assertThatThrownBy(
            () -> Wrk.parse(TARGET, output("405.00us", "  Non-2xx or 3xx responses: 12\n")))
        .hasMessageContaining("had errors");
    assertThatThrownBy(() ->
            Wrk.parse(TARGET, output("405.00us", "  Socket errors: connect 0, read 3, write 0\n")))
        .hasMessageContaining("had errors");
    assertThatThrownBy(() -> Wrk.parse(TARGET, "unable to connect to 127.0.0.1:1"))
        .hasMessageContaining("failed");
  }
}
