package dev.impulse.image;

import java.nio.file.Path;
import java.util.function.Consumer;

/** Builds a root file system from a recipe; {@link Mmdebstrap} is the real one. */
@FunctionalInterface
public interface RootfsBuilder {
  /**
   * Builds {@code recipe} into {@code target} (which does not exist yet), reporting progress lines
   * as they come; throws {@link BaseimageBuildException} on failure.
   */
  void build(BaseimageRecipe recipe, Path target, Consumer<String> progress);
}
