package dev.impulse.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Guest functions used by the integration tests. */
public final class Functions {
  private Functions() {}

  /** The sample function from examples/sampleapp, as a tar. */
  public static byte[] sample() {
    try {
      return Tars.function(Files.readString(Path.of("examples/sampleapp/main.py")));
    } catch (IOException e) {
      throw new UncheckedIOException("examples/sampleapp/main.py is missing", e);
    }
  }

  /** Exits the whole chamber with the code given as {"exit": N}, shortly after answering. */
  public static byte[] crash() {
    return Tars.function(
        """
        import os, threading, time

        def skyhook(request, meta):
            code = int(request.get("exit", 7))
            threading.Thread(target=lambda: (time.sleep(0.05), os._exit(code))).start()
            return {"exiting": code}
        """);
  }

  /** Fails to import. */
  public static byte[] badImport() {
    return Tars.function("import no_such_module\n\ndef skyhook(request, meta):\n    return 1\n");
  }

  /** Raises on every call. */
  public static byte[] raising() {
    return Tars.function(
        "def skyhook(request, meta):\n    raise ValueError('bad input: %r' % (request,))\n");
  }

  /** Takes {@code seconds} to import. */
  public static byte[] slowImport(int seconds) {
    return Tars.function(
        "import time\ntime.sleep(" + seconds + ")\n\ndef skyhook(request, meta):\n    return 1\n");
  }

  /** Never answers a call with {"hang": true}: a stop must wait out the grace period. */
  public static byte[] hanging() {
    return Tars.function(
        """
        import time

        def skyhook(request, meta):
            if request.get("hang"):
                time.sleep(3600)
            return {"ok": True}
        """);
  }
}
