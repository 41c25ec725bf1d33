package dev.impulse.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What impulse asks of one container: its id, root file system, process, limits and labels. {@link
 * OciSpecs#toOciSpec} turns it into a config.json with impulse's security defaults.
 *
 * @param id the runc container id
 * @param rootfs the mounted root file system
 * @param hostname the container's host name (at most 63 characters)
 * @param args the process's command line
 * @param env the process's environment
 * @param binds host files or directories bound into the container
 * @param limits cgroup limits
 * @param cgroupsPath the cgroup, relative to each hierarchy's root
 * @param annotations labels written into config.json and reported back by {@code runc state}
 * @param uid the unprivileged user (and group) the process runs as; never 0
 * @param tmpBytes the size of its writable {@code /tmp}, the only place it may write (a tmpfs: its
 *     pages count against the memory limit in {@code limits})
 * @param networkNamespace the network namespace it joins; empty: the host's network (no namespace)
 */
public record ContainerConfig(
    String id,
    Path rootfs,
    String hostname,
    List<String> args,
    Map<String, String> env,
    List<BindMount> binds,
    ResourceLimits limits,
    String cgroupsPath,
    Map<String, String> annotations,
    int uid,
    long tmpBytes,
    Optional<Path> networkNamespace) {

  public ContainerConfig {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(rootfs, "rootfs");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(cgroupsPath, "cgroupsPath");
    if (hostname.isEmpty() || hostname.length() > 63) {
      throw new IllegalArgumentException("hostname must have 1 to 63 characters: " + hostname);
    }
    if (uid <= 0) {
      throw new IllegalArgumentException("a chamber never runs as root: uid " + uid);
    }
    if (args.isEmpty()) {
      throw new IllegalArgumentException("a container needs a command");
    }
    args = List.copyOf(args);
    env = Map.copyOf(env);
    binds = List.copyOf(binds);
    annotations = Map.copyOf(annotations);
    Objects.requireNonNull(networkNamespace, "networkNamespace");
  }

  /**
   * A host path bound at {@code destination}. With {@code receivesMounts}, what the host mounts on
   * {@code source} later (a shared mount) appears inside too: slave propagation, one way.
   */
  public record BindMount(
      Path source, String destination, boolean readOnly, boolean receivesMounts) {
    public BindMount(Path source, String destination, boolean readOnly) {
      this(source, destination, readOnly, false);
    }

    /** A read-only bind that receives what the host mounts on {@code source} later. */
    public static BindMount receivingMounts(Path source, String destination) {
      return new BindMount(source, destination, true, true);
    }
  }
}
