package dev.impulse.chamber;

import dev.impulse.image.FunctionRef;
import java.util.List;

/** A function version cannot be deleted while chambers run it. */
public final class FunctionInUseException extends RuntimeException {
  FunctionInUseException(FunctionRef ref, List<String> chambers) {
    super(
        "function "
            + ref
            + " is used by "
            + chambers.size()
            + " live chamber(s) ("
            + String.join(", ", chambers.subList(0, Math.min(5, chambers.size())))
            + (chambers.size() > 5 ? ", ..." : "")
            + "); destroy them first");
  }
}
