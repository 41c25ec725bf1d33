package dev.impulse.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class CallFailuresTest {
  @Test
  void aRefusedConnectionIsSaidSo() {
    assertThat(CallFailures.describe(new ConnectException("Connection refused: /127.0.0.1:6001")))
        .isEqualTo("it refused the connection");
  }

  @Test
  void anEndOfStreamIsAClosedConnectionEvenWrapped() {
    assertThat(CallFailures.describe(new EOFException())).isEqualTo("it closed the connection");
    assertThat(
            CallFailures.describe(
                new IOException(
                    "HttpConnectionOverHTTP@1a2b3c4d::SocketChannelEndPoint@5e6f{...} closed",
                    new ExecutionException(new EOFException("reset")))))
        .isEqualTo("it closed the connection");
    assertThat(CallFailures.describe(new RuntimeException(new ClosedChannelException())))
        .isEqualTo("it closed the connection");
  }

  @Test
  void anotherIoFailureGivesItsShortMessage() {
    assertThat(CallFailures.describe(new IOException("Connection reset by peer")))
        .isEqualTo("Connection reset by peer");
  }

  @Test
  void aLongMessageIsLeftOutForTheKindOfFailure() {
    assertThat(CallFailures.describe(new IOException("x".repeat(100)))).isEqualTo("IOException");
  }

  @Test
  void anyOtherFailureIsNamedByItsKind() {
    assertThat(CallFailures.describe(new TimeoutException("idle"))).isEqualTo("TimeoutException");
    assertThat(CallFailures.describe(new IllegalStateException(new IOException())))
        .isEqualTo("IOException");
    assertThat(CallFailures.describe(new IllegalStateException("internal details")))
        .isEqualTo("IllegalStateException");
  }
}
