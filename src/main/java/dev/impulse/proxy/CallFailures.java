package dev.impulse.proxy;

import java.net.ConnectException;

/** What a failed call's cause says: who failed, in a few words. */
final class CallFailures {
  private CallFailures() {}

  /** What went wrong, in a few words (Jetty's own texts dump its connection's state). */
  static String describe(Throwable failure) {
    Throwable root = failure;
    for (int depth = 0; depth < 16 && root.getCause() != null; depth++) {
      root = root.getCause(); // bounded: a cycle of causes must not spin
    }
    return switch (root) {
      case ConnectException _ -> "it refused the connection";
      case java.io.EOFException _ -> "it closed the connection";
      case java.nio.channels.ClosedChannelException _ -> "it closed the connection";
      case java.io.IOException io when io.getMessage() != null && io.getMessage().length() < 100 ->
          io.getMessage();
      default -> root.getClass().getSimpleName();
    };
  }

  static SlowCallerException slowCaller(Throwable failure) {
    Throwable t = failure;
    for (int depth = 0; depth < 16 && t != null; depth++, t = t.getCause()) {
      if (t instanceof SlowCallerException slow) {
        return slow;
      }
    }
    return null;
  }

  static boolean refused(Throwable failure) {
    Throwable t = failure;
    for (int depth = 0; depth < 16 && t != null; depth++, t = t.getCause()) {
      if (t instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }
}
