package dev.impulse.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.impulse.oci.Descriptor;
import dev.impulse.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BlobStreamsTest {
  private static final long SECOND = 1_000_000_000L;

  private static BlobStreams.Download download(byte[] data, AtomicLong now) {
    return new BlobStreams.Download(
        new ByteArrayInputStream(data),
        ImageReference.parse("127.0.0.1:5000/a/b:1"),
        new Descriptor("application/octet-stream", Digest.of(data), data.length),
        RegistrySettings.defaults(),
        now::get);
  }

  @Test
  void aBlobTricklingUnderTheMinimumRateFailsOnceTheGraceIsOver() throws IOException {
    AtomicLong now = new AtomicLong();
    var slow = download(new byte[1000], now);
    byte[] buffer = new byte[10];
    now.addAndGet(29 * SECOND);
    assertThat(slow.read(buffer, 0, 10)).as("within the grace any pace is fine").isEqualTo(10);
    now.addAndGet(2 * SECOND);
    assertThatThrownBy(() -> slow.read(buffer, 0, 10))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("KiB/s a pull needs")
        .hasCauseInstanceOf(RegistryException.class);
  }

  @Test
  void aBlobAtAFairPaceIsReadWhole() throws IOException {
    AtomicLong now = new AtomicLong();
    byte[] data = new byte[4 << 20];
    var fair = download(data, now);
    byte[] buffer = new byte[1 << 20];
    int total = 0;
    for (int n; (n = fair.read(buffer, 0, buffer.length)) > 0; ) {
      total += n;
      now.addAndGet(10 * SECOND); // 100 KiB/s, past the grace by the end
    }
    assertThat(total).isEqualTo(data.length);
  }
}
