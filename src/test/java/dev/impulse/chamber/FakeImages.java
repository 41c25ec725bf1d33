package dev.impulse.chamber;

import dev.impulse.image.Baseimage;
import dev.impulse.image.FunctionRef;
import dev.impulse.image.Language;
import dev.impulse.image.RuntimeDefinition;
import dev.impulse.image.StoredFunction;
import dev.impulse.image.UnknownFunctionException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** One runtime, {@code python3}, and whichever functions a test stores. */
final class FakeImages implements Images {
  static final RuntimeDefinition PYTHON =
      new RuntimeDefinition(
          "python3",
          Language.PYTHON,
          "bookworm",
          java.util.Optional.of("/usr/bin/python3"),
          List.of());

  final Set<FunctionRef> functions = new HashSet<>();

  @Override
  public RuntimeDefinition runtime(String name) {
    if (!name.equals(PYTHON.name())) {
      throw new IllegalArgumentException("unknown runtime " + name);
    }
    return PYTHON;
  }

  @Override
  public Baseimage baseimage(String runtime) {
    return new Baseimage(runtime(runtime), Path.of("/base"), Path.of("/skyhook"));
  }

  @Override
  public java.util.List<String> runtimeNames() {
    return java.util.List.of(PYTHON.name());
  }

  @Override
  public boolean built(String runtime) {
    return true;
  }

  @Override
  public StoredFunction function(FunctionRef ref) {
    if (!functions.contains(ref)) {
      throw new UnknownFunctionException(ref);
    }
    return new StoredFunction(ref, "0123456789abcdef0123", 10, 1, Path.of("/fn"));
  }

  @Override
  public boolean deleteFunction(FunctionRef ref) {
    return functions.remove(ref);
  }

  @Override
  public void requireFits(RuntimeDefinition runtime, StoredFunction function) {
    // every stored function is a Python guest here
  }
}
