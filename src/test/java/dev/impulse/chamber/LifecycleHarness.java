package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.image.FunctionRef;
import dev.impulse.network.PortAllocator;
import dev.impulse.network.PortRange;
import dev.impulse.store.EventRow;
import dev.impulse.store.SpaceCheck;
import dev.impulse.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A chamber service on a {@link FakeHost}, fake images, probe and time, with a real store in a
 * temporary directory: the whole lifecycle, without root, in milliseconds. Work runs only when the
 * harness (or the test) runs it.
 */
final class LifecycleHarness implements AutoCloseable {
  static final Duration GRACE = Duration.ofSeconds(5);
  static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
  static final FunctionRef FUNCTION = new FunctionRef("app", "1");

  final Path dir;
  final FakeHost host = new FakeHost();
  final FakeImages images = new FakeImages();
  final ManualExecutor work = new ManualExecutor();
  final FakeTiming timing = new FakeTiming(work);
  final PortAllocator ports = new PortAllocator(new PortRange(7000, 7009), port -> true);

  /** Whether wrappers answer their readiness and health probes. */
  volatile boolean wrappersAnswer = true;

  Store store;
  ChamberService service;

  LifecycleHarness(Path dir) {
    this.dir = dir;
    images.functions.add(FUNCTION);
    store = Store.open(dir.resolve("impulse.db"), 0);
  }

  /** Starts the service (recovery included) and runs what it queued. */
  LifecycleHarness start() {
    service = new ChamberService(parts());
    try {
      service.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    work.runAll();
    return this;
  }

  /** A second daemon on the same store and host, as after a restart. */
  LifecycleHarness restart() {
    service.close();
    store.close();
    LifecycleHarness next = new LifecycleHarness(dir, host, ports);
    return next.start();
  }

  private LifecycleHarness(Path dir, FakeHost host, PortAllocator ignored) {
    this.dir = dir;
    images.functions.add(FUNCTION);
    store = Store.open(dir.resolve("impulse.db"), 0);
    this.host.dirs.addAll(host.dirs);
    this.host.cgroups.addAll(host.cgroups);
    this.host.mounts.addAll(host.mounts);
    this.host.monitors.putAll(host.monitors);
    this.host.containers.addAll(host.containers);
    this.host.running.addAll(host.running);
    this.host.exitFiles.putAll(host.exitFiles);
    this.host.recordedExits.putAll(host.recordedExits);
    this.host.labels.putAll(host.labels);
    this.host.scratch.addAll(host.scratch);
    this.host.monitorsElsewhere.addAll(host.monitorsElsewhere);
    this.host.oom.addAll(host.oom);
    this.host.rebooted = host.rebooted;
  }

  private ChamberParts parts() {
    ChamberSettings settings =
        new ChamberSettings(
            InetAddress.getLoopbackAddress(),
            256L << 20,
            512,
            1,
            256L << 20,
            1L << 30,
            2,
            4096,
            2048L << 20,
            STARTUP_TIMEOUT,
            GRACE,
            "impulse-test",
            dir.toString(),
            Duration.ofSeconds(5),
            3,
            Duration.ofSeconds(1),
            Duration.ofSeconds(60),
            1000,
            3,
            0);
    return new ChamberParts(
        host,
        images,
        new dev.impulse.network.HostNetwork(ports, java.net.InetAddress.getLoopbackAddress()),
        port -> wrappersAnswer,
        settings,
        store,
        new SpaceCheck(dir, 0, () -> false),
        new SpecJson(new ObjectMapper()),
        timing,
        work,
        dir.resolve("chambers"));
  }

  /** Creates a chamber of {@code spec} and runs its start as far as it goes. */
  Chamber create(ChamberSpec spec) {
    Chamber created = service.create(spec);
    work.runAll();
    return created;
  }

  Chamber create() {
    return create(ChamberSpec.of("app", "1", "python3"));
  }

  /** Creates a chamber whose wrapper answers at once: it is RUNNING when this returns. */
  Chamber running(ChamberSpec spec) {
    wrappersAnswer = true;
    Chamber created = create(spec);
    assertThat(status(created.id())).isEqualTo(ChamberStatus.RUNNING);
    return created;
  }

  Chamber running() {
    return running(ChamberSpec.of("app", "1", "python3"));
  }

  /** Every event recorded so far, oldest first. */
  List<EventRow> events() {
    return store.eventsAfter(0, 100_000);
  }

  ChamberStatus status(String id) {
    return service.get(id).status();
  }

  String reason(String id) {
    return service.get(id).reason().orElse("");
  }

  /** Nothing of chamber {@code id} is held by the host, and no port is held at all. */
  void assertNothingHeld(String id) {
    assertThat(host.heldFor(id)).as("what the host holds for %s", id).isEmpty();
    assertThat(ports.inUse()).as("ports held").isZero();
  }

  @Override
  public void close() {
    if (service != null) {
      service.close();
    }
    store.close();
  }
}
