package dev.impulse.proxy;

import java.io.IOException;

/** A caller sent its body or read its answer too slowly ({@link DataRate}): its call is cut. */
final class SlowCallerException extends IOException {
  SlowCallerException(String message) {
    super(message);
  }
}
