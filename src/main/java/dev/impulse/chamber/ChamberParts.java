package dev.impulse.chamber;

import dev.impulse.network.ChamberNetwork;
import dev.impulse.store.SpaceCheck;
import dev.impulse.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What the chamber service works with. The daemon's come from {@link ChamberDependencies}; unit
 * tests give a host, images, probe and timing of their own.
 */
record ChamberParts(
    ChamberHost host,
    Images images,
    ChamberNetwork network,
    ReadinessProbe probe,
    ChamberSettings settings,
    Store store,
    SpaceCheck space,
    SpecJson specs,
    Timing timing,
    ExecutorService work,
    Path chambersDir) {

  /** The daemon's: the real machine, images and time. */
  static ChamberParts of(ChamberDependencies deps) throws IOException {
    SpecJson specs = new SpecJson(deps.json());
    ExecutorService work = Executors.newVirtualThreadPerTaskExecutor();
    ContainerConfigs configs = new ContainerConfigs(deps.settings(), specs, deps.network());
    ChamberHost host =
        new RuncHost(
            deps.runc(),
            deps.conmon(),
            deps.cgroups(),
            deps.exits(),
            deps.reaper(),
            deps.store(),
            configs,
            deps.json(),
            deps.chambersDir());
    return new ChamberParts(
        host,
        new CatalogImages(deps.runtimes(), deps.baseimages(), deps.functions()),
        deps.network(),
        deps.probe(),
        deps.settings(),
        deps.store(),
        deps.space(),
        specs,
        new SystemTiming(deps.clock(), work),
        work,
        deps.chambersDir());
  }
}
