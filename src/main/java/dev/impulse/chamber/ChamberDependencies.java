package dev.impulse.chamber;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.image.Baseimages;
import dev.impulse.image.FunctionStore;
import dev.impulse.image.Runtimes;
import dev.impulse.linux.Reaper;
import dev.impulse.network.ChamberNetwork;
import dev.impulse.runtime.ChamberCgroups;
import dev.impulse.runtime.Conmon;
import dev.impulse.runtime.ExitFiles;
import dev.impulse.runtime.Runc;
import dev.impulse.store.SpaceCheck;
import dev.impulse.store.Store;
import java.nio.file.Path;
import java.time.InstantSource;

/**
 * What the chamber package works with, wired once by the daemon.
 *
 * @param runtimes the runtimes, built-in and pulled
 * @param baseimages their root file systems
 * @param functions the uploaded guests
 * @param network ports and what they stand for (namespaces with bridge networking)
 * @param runc the OCI runtime
 * @param conmon the container monitor
 * @param cgroups each chamber's cgroup, holding its container's and its monitor's
 * @param exits conmon's exit files
 * @param reaper reaps orphaned conmon processes
 * @param probe checks wrappers' readiness and health
 * @param settings limits, timeouts and defaults
 * @param chambersDir where each chamber's directory is made
 * @param store where chamber records and events are made durable
 * @param space refuses creates while the data file system is (nearly) full
 * @param json writes config.json and specs
 * @param clock wall-clock time for records
 */
public record ChamberDependencies(
    Runtimes runtimes,
    Baseimages baseimages,
    FunctionStore functions,
    ChamberNetwork network,
    Runc runc,
    Conmon conmon,
    ChamberCgroups cgroups,
    ExitFiles exits,
    Reaper reaper,
    ReadinessProbe probe,
    ChamberSettings settings,
    Path chambersDir,
    Store store,
    SpaceCheck space,
    ObjectMapper json,
    InstantSource clock) {}
