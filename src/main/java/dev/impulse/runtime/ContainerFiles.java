package dev.impulse.runtime;

import java.nio.file.Path;

/**
 * Where a container's files live inside its bundle directory: the names conmon and runc are told to
 * use, and the ones conmon writes by itself. The single place that knows these names.
 *
 * @param bundle the OCI bundle (holds config.json)
 */
public record ContainerFiles(Path bundle) {
  /** The OCI runtime configuration. */
  public Path config() {
    return bundle.resolve("config.json");
  }

  /** The container's stdout and stderr, in conmon's k8s-file format. */
  public Path log() {
    return bundle.resolve("container.log");
  }

  /** The container's first process's pid, written by runc create. */
  public Path containerPid() {
    return bundle.resolve("container.pid");
  }

  /** conmon's pid, written by conmon. */
  public Path conmonPid() {
    return bundle.resolve("conmon.pid");
  }

  /** runc's own error log (JSON lines) for the create conmon runs. */
  public Path runcLog() {
    return bundle.resolve("runc.log");
  }

  /** conmon's own stderr. */
  public Path conmonLog() {
    return bundle.resolve("conmon.log");
  }

  /** The exit code, written by conmon into its persist directory (the bundle). */
  public Path exit() {
    return bundle.resolve("exit");
  }

  /** Exists when the OOM killer acted in the container's cgroup (written by conmon). */
  public Path oom() {
    return bundle.resolve("oom");
  }
}
