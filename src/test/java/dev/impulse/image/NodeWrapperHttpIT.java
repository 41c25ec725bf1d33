package dev.impulse.image;

import dev.impulse.testing.Tars;

/** The wrapper contract for Node.js's wrapper, skyhook.mjs. */
class NodeWrapperHttpIT extends WrapperHttpContract {
  @Override
  String runtime() {
    return "node20";
  }

  @Override
  byte[] echoGuest() {
    return Tars.tar()
        .file(
            "index.js",
            """
            exports.skyhook = async (request, meta) => {
              if (request === "raise") {
                throw new RangeError("no such thing");
              }
              return { got: request, path: meta.path, method: meta.method };
            };
            """)
        .bytes();
  }

  @Override
  String raisedError() {
    return "RangeError";
  }
}
