package dev.impulse.chamber;

import dev.impulse.image.Baseimage;
import dev.impulse.image.StoredFunction;
import dev.impulse.runtime.ResourceLimits;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A machine for the lifecycle's unit tests: it keeps what a real host would have (directories,
 * cgroups, monitors, mounts, containers, exit files) as plain sets, so a test can see what is left,
 * and it can be told to fail any step. Containers obey signals as told: TERM ends them unless
 * {@link #ignoreTerm} is set; KILL always does. Used by one launch at a time, like the tests that
 * use it: a launch spawns its monitor on a thread of its own and waits for it before going on.
 */
final class FakeHost implements ChamberHost {
  /** Every operation that can be made to fail, by name. */
  static final List<String> START_STEPS =
      List.of("prepare", "cgroup", "monitor", "mount", "config", "adopt", "create", "start");

  static final List<String> TEARDOWN_STEPS = List.of("delete", "cgroups", "unmount", "scratch");

  final Set<String> dirs = new HashSet<>();
  final Set<String> scratch = new HashSet<>();
  final Set<String> cgroups = new HashSet<>();
  final Set<String> mounts = new HashSet<>();
  final Set<String> configs = new HashSet<>();
  final Map<String, Integer> monitors = new HashMap<>(); // id -> pid of a live conmon
  final Set<String> containers = new HashSet<>(); // created, in runc's root
  final Set<String> running = new HashSet<>(); // their process runs
  final Map<String, Integer> exitFiles = new HashMap<>();
  final Map<String, Integer> recordedExits = new HashMap<>();
  final Set<String> oom = new HashSet<>();
  final Map<String, String> termination = new HashMap<>();
  final Map<String, Map<String, String>> labels = new HashMap<>();
  final Set<String> failing = new HashSet<>();
  final Set<String> stuckMonitors = new HashSet<>();
  final Set<String> monitorsElsewhere = new HashSet<>();
  final List<String> calls = new CopyOnWriteArrayList<>();
  final List<String> removedUnknown = new ArrayList<>();
  boolean ignoreTerm;
  boolean rebooted;
  private int nextPid = 1000;
  private Consumer<String> exitListener = id -> {};

  /** Makes step {@code name} (of {@link #START_STEPS}, {@link #TEARDOWN_STEPS}) fail from now. */
  void fail(String name) {
    failing.add(name);
  }

  void heal(String name) {
    failing.remove(name);
  }

  private void maybeFail(String name) throws IOException {
    calls.add(name);
    if (failing.contains(name)) {
      throw new IOException("injected failure of " + name);
    }
  }

  private void maybeFailUnchecked(String name) {
    try {
      maybeFail(name);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The container of {@code id} ends with {@code code}: conmon records it and leaves. */
  void exit(String id, int code) {
    if (!running.remove(id)) {
      return;
    }
    exitFiles.put(id, code);
    recordedExits.put(id, code);
    if (!stuckMonitors.contains(id)) {
      monitors.remove(id);
    }
    exitListener.accept(id);
  }

  /** Everything the host still holds for {@code id}, by kind; empty when nothing. */
  List<String> heldFor(String id) {
    List<String> held = new ArrayList<>();
    if (scratch.contains(id)) held.add("scratch");
    if (cgroups.contains(id)) held.add("cgroup");
    if (mounts.contains(id)) held.add("mount");
    if (monitors.containsKey(id)) held.add("monitor");
    if (containers.contains(id)) held.add("container");
    if (running.contains(id)) held.add("process");
    return held;
  }

  // ---- a start ----

  @Override
  public void prepare(Chamber chamber) throws IOException {
    String id = chamber.id();
    maybeFail("prepare");
    dirs.add(id);
    scratch.add(id);
    recordedExits.remove(id);
    oom.remove(id);
  }

  @Override
  public void createCgroup(String id, ResourceLimits limits) throws IOException {
    maybeFail("cgroup");
    cgroups.add(id);
  }

  @Override
  public Monitor spawnMonitor(String id) throws IOException {
    maybeFail("monitor");
    int pid = nextPid++;
    monitors.put(id, pid);
    return new Monitor() {
      private boolean created;

      @Override
      public void adopt() throws IOException {
        maybeFail("adopt");
      }

      @Override
      public int create() {
        maybeFailUnchecked("create");
        created = true;
        containers.add(id);
        running.add(id);
        return pid;
      }

      @Override
      public void close() {
        if (!created) {
          monitors.remove(id);
        }
      }
    };
  }

  @Override
  public void mountRootfs(String id, Optional<StoredFunction> function, Baseimage base)
      throws IOException {
    maybeFail("mount");
    mounts.add(id);
  }

  @Override
  public void prepareCell(String id) {
    throw new UnsupportedOperationException("the lifecycle's tests start no stem cells");
  }

  @Override
  public java.nio.file.Path controlSocket(String id) {
    throw new UnsupportedOperationException("the lifecycle's tests start no stem cells");
  }

  @Override
  public void deliver(String id, StoredFunction function) {
    throw new UnsupportedOperationException("the lifecycle's tests start no stem cells");
  }

  @Override
  public void updateLimits(String id, dev.impulse.runtime.ResourceLimits limits) {
    throw new UnsupportedOperationException("the lifecycle's tests start no stem cells");
  }

  @Override
  public void writeConfig(Chamber chamber, Baseimage base, boolean cell) throws IOException {
    maybeFail("config");
    configs.add(chamber.id());
  }

  @Override
  public void start(String id) {
    maybeFailUnchecked("start");
  }

  // ---- while it runs ----

  @Override
  public boolean kill(String id, String signal) {
    calls.add("kill " + signal);
    if (!running.contains(id)) {
      return false;
    }
    if (signal.equals("KILL")) {
      exit(id, 137);
    } else if (signal.equals("TERM") && !ignoreTerm) {
      exit(id, 143);
    }
    return true;
  }

  @Override
  public OptionalInt exitCode(String id) {
    Integer code = exitFiles.get(id);
    return code == null ? OptionalInt.empty() : OptionalInt.of(code);
  }

  @Override
  public boolean oomKilled(String id) {
    return oom.contains(id);
  }

  @Override
  public Optional<String> terminationMessage(String id) {
    return Optional.ofNullable(termination.get(id));
  }

  @Override
  public int monitorPid(String id) {
    return monitors.getOrDefault(id, 0);
  }

  @Override
  public boolean monitors(int pid, String id) {
    Integer live = monitors.get(id);
    return live != null && live == pid;
  }

  @Override
  public Optional<ChamberStats> stats(String id) {
    return cgroups.contains(id)
        ? Optional.of(new ChamberStats(1, 1, 1, 1, 1, 1))
        : Optional.empty();
  }

  // ---- a tear-down ----

  @Override
  public void deleteContainer(String id) {
    maybeFailUnchecked("delete");
    if (running.contains(id)) {
      exit(id, 137);
    }
    containers.remove(id);
  }

  @Override
  public void removeCgroups(String id) throws IOException {
    maybeFail("cgroups");
    cgroups.remove(id);
  }

  @Override
  public void unmount(String id) throws IOException {
    maybeFail("unmount");
    mounts.remove(id);
  }

  @Override
  public void removeScratch(String id) throws IOException {
    maybeFail("scratch");
    scratch.remove(id);
  }

  @Override
  public void forgetExit(String id) {
    exitFiles.remove(id);
  }

  @Override
  public void deleteFiles(String id) throws IOException {
    maybeFail("files");
    dirs.remove(id);
    scratch.remove(id);
    recordedExits.remove(id);
  }

  // ---- recovery ----

  @Override
  public void checkRunDir() {}

  @Override
  public boolean rebootedSinceLastStart() {
    return rebooted;
  }

  @Override
  public List<HostContainer> containers() {
    return containers.stream()
        .map(id -> new HostContainer(id, running.contains(id), labels.getOrDefault(id, Map.of())))
        .toList();
  }

  @Override
  public StrayMonitor strayMonitor(String id) {
    if (monitorsElsewhere.contains(id)) {
      return StrayMonitor.ELSEWHERE;
    }
    if (monitors.containsKey(id)) {
      monitors.remove(id);
      return StrayMonitor.STOPPED;
    }
    return StrayMonitor.NONE;
  }

  @Override
  public OptionalInt recordedExitCode(String id) {
    Integer code = recordedExits.get(id);
    return code == null ? OptionalInt.empty() : OptionalInt.of(code);
  }

  @Override
  public void removeUnknown(String id) {
    removedUnknown.add(id);
    containers.remove(id);
    running.remove(id);
    monitors.remove(id);
  }

  @Override
  public void removeStrays(Collection<String> known) {
    dirs.retainAll(known);
    scratch.retainAll(known);
    mounts.retainAll(known);
    exitFiles.keySet().retainAll(known);
  }

  @Override
  public void reapOrphans() {}

  @Override
  public AutoCloseable watchExits(Consumer<String> listener) {
    this.exitListener = listener;
    return () -> exitListener = id -> {};
  }
}
