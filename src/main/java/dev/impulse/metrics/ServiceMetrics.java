package dev.impulse.metrics;

import dev.impulse.chamber.Chamber;
import dev.impulse.chamber.ChamberService;
import dev.impulse.deployment.DeploymentState;
import dev.impulse.deployment.ScaleListener;
import dev.impulse.proxy.CallRecorder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The daemon's metrics: every call the edge proxy answered (by app, version and status), its
 * latency (a histogram per app), calls that waited for a chamber, each deployment's queue and
 * in-flight requests, chambers by app and status, scaling decisions, and the JVM and process
 * metrics Micrometer gives. Labels are bounded: an app label only names a deployment that exists (a
 * call to an unknown app counts under {@code app=""}). Thread-safe.
 */
public final class ServiceMetrics implements CallRecorder, ScaleListener, AutoCloseable {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ChamberService chambers;
  private final MultiGauge chamberCount;
  private final MultiGauge queued;
  private final MultiGauge inFlight;
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private volatile Supplier<List<DeploymentState>> deployments = List::of;

  public ServiceMetrics(ChamberService chambers) {
    this.chambers = chambers;
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    chamberCount =
        MultiGauge.builder("impulse.chambers")
            .description("Chambers by app and status")
            .register(registry);
    queued =
        MultiGauge.builder("impulse.deployment.queued")
            .description("Calls waiting for a chamber, per deployment")
            .register(registry);
    inFlight =
        MultiGauge.builder("impulse.deployment.in.flight")
            .description("Calls being served, per deployment")
            .register(registry);
  }

  /** Where the deployments' live state is read at each scrape. */
  public void watch(Supplier<List<DeploymentState>> states) {
    this.deployments = states;
  }

  @Override
  public void called(String app, String version, int status, long nanos, boolean waited) {
    Counter.builder("impulse.invocations")
        .description("Calls the edge proxy answered")
        .tags("app", app, "version", version, "status", Integer.toString(status))
        .register(registry)
        .increment();
    Timer.builder("impulse.invocation.duration")
        .description("From a call's arrival at the edge proxy to the end of its answer")
        .tag("app", app)
        .publishPercentileHistogram()
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
    if (waited) {
      Counter.builder("impulse.cold.starts")
          .description("Calls that waited for a chamber to start or free up")
          .tag("app", app)
          .register(registry)
          .increment();
    }
  }

  @Override
  public void scaled(String app, int from, int to) {
    Counter.builder("impulse.scale.events")
        .description("Changes of a deployment's wanted chambers")
        .tags("app", app, "direction", to > from ? "up" : "down")
        .register(registry)
        .increment();
  }

  /** The metrics now, in Prometheus' text format. */
  public String scrape() {
    Map<Tags, Long> counts =
        chambers.list().stream()
            .collect(
                Collectors.groupingBy(
                    (Chamber c) -> Tags.of("app", c.spec().app(), "status", c.status().name()),
                    Collectors.counting()));
    chamberCount.register(
        counts.entrySet().stream()
            .map(e -> MultiGauge.Row.of(e.getKey(), e.getValue()))
            .collect(Collectors.toList()),
        true);
    List<DeploymentState> states = deployments.get();
    queued.register(
        states.stream().map(d -> MultiGauge.Row.of(Tags.of("app", d.app()), d.queued())).toList(),
        true);
    inFlight.register(
        states.stream().map(d -> MultiGauge.Row.of(Tags.of("app", d.app()), d.inFlight())).toList(),
        true);
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
