package dev.impulse.image;

import java.util.function.Consumer;

/**
 * Pulls a runtime's image from a registry into the layer store. The daemon gives one over the
 * registry client; unit tests give their own.
 */
public interface RuntimePuller {
  /**
   * The reference in canonical form ({@code host:port/repo:tag}); throws {@link
   * InvalidRuntimeImageException} saying what is wrong with it. No network traffic.
   */
  String canonical(String reference);

  /**
   * Pulls {@code reference}, passing progress lines to {@code progress}; returns the image's layers
   * (top first) and environment. Throws {@link RuntimePullException} with a message for the
   * operator.
   */
  RuntimeImage pull(String reference, Consumer<String> progress);
}
