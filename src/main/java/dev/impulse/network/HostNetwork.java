package dev.impulse.network;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The proof of concept's networking ({@code --network host}): chambers share the host's network,
 * each wrapper binds its port on the chamber address itself, and a chamber reaches whatever the
 * host reaches, the daemon's API and other chambers included. Unsafe for code the operator did not
 * write; kept for trusted functions and for comparison in the benchmarks.
 */
public final class HostNetwork implements ChamberNetwork {
  private final PortAllocator ports;
  private final InetAddress chamberAddress;
  private final Map<String, Path> files;

  public HostNetwork(PortAllocator ports, InetAddress chamberAddress) {
    this.ports = ports;
    this.chamberAddress = chamberAddress;
    // The host's network is shared, so its name resolution is too (looked up once, not per create).
    Map<String, Path> shared = new LinkedHashMap<>();
    for (String file : new String[] {"/etc/resolv.conf", "/etc/hosts"}) {
      if (Files.isRegularFile(Path.of(file))) {
        shared.put(file, Path.of(file));
      }
    }
    this.files = Map.copyOf(shared);
  }

  @Override
  public void start() {}

  @Override
  public int attach() {
    return ports.allocate();
  }

  @Override
  public boolean reserve(int port) {
    return ports.reserve(port);
  }

  @Override
  public void detach(int port) {
    ports.release(port);
  }

  @Override
  public Optional<Path> namespace(int port) {
    return Optional.empty();
  }

  @Override
  public InetSocketAddress wrapper(int port) {
    InetAddress target =
        chamberAddress.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : chamberAddress;
    return new InetSocketAddress(target, port);
  }

  @Override
  public InetSocketAddress wrapperBind(int port) {
    return new InetSocketAddress(chamberAddress, port);
  }

  @Override
  public Optional<InetAddress> address(int port) {
    return Optional.empty();
  }

  @Override
  public Map<String, Path> sharedFiles() {
    return files;
  }

  @Override
  public int inUse() {
    return ports.inUse();
  }

  @Override
  public void close() {}
}
