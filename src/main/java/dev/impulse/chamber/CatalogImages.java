package dev.impulse.chamber;

import dev.impulse.image.Baseimage;
import dev.impulse.image.Baseimages;
import dev.impulse.image.FunctionRef;
import dev.impulse.image.FunctionStore;
import dev.impulse.image.RuntimeDefinition;
import dev.impulse.image.Runtimes;
import dev.impulse.image.StoredFunction;

/**
 * {@link Images} from the runtimes (built-in and pulled), the baseimage builder and the function
 * store.
 */
record CatalogImages(Runtimes catalog, Baseimages baseimages, FunctionStore functions)
    implements Images {
  @Override
  public RuntimeDefinition runtime(String name) {
    return catalog.resolve(name);
  }

  @Override
  public Baseimage baseimage(String runtime) {
    return baseimages.ensureBuilt(catalog.resolve(runtime));
  }

  @Override
  public java.util.List<String> runtimeNames() {
    return catalog.runtimes().stream().map(RuntimeDefinition::name).toList();
  }

  @Override
  public boolean built(String runtime) {
    return baseimages.status(catalog.resolve(runtime)).phase() == Baseimages.Phase.BUILT;
  }

  @Override
  public StoredFunction function(FunctionRef ref) {
    return functions.require(ref);
  }

  @Override
  public void requireFits(RuntimeDefinition runtime, StoredFunction function) {
    runtime.requireGuest(function);
  }

  @Override
  public boolean deleteFunction(FunctionRef ref) {
    return functions.delete(ref);
  }
}
