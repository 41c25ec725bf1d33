package dev.impulse.chamber;

/** Tells whether a chamber's wrapper answers on its port. */
@FunctionalInterface
public interface ReadinessProbe {
  /** True when {@code GET /healthz} on {@code port} answered 200. Never throws. */
  boolean isReady(int port);
}
