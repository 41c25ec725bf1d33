package dev.impulse.deployment;

/** Told of each change of a deployment's wanted chambers: for metrics. Must not block. */
public interface ScaleListener {
  void scaled(String app, int from, int to);

  /** Tells no one. */
  ScaleListener NONE = (app, from, to) -> {};
}
