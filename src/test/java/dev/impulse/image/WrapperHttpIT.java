package dev.impulse.image;

import dev.impulse.testing.Tars;

/** The wrapper contract for Python's wrapper, skyhook.py. */
class WrapperHttpIT extends WrapperHttpContract {
  @Override
  String runtime() {
    return "python3";
  }

  @Override
  byte[] echoGuest() {
    return Tars.function(
        """
        def skyhook(request, meta):
            if request == "raise":
                raise KeyError("no such thing")
            return {"got": request, "path": meta["path"], "method": meta["method"]}
        """);
  }

  @Override
  String raisedError() {
    return "KeyError";
  }
}
