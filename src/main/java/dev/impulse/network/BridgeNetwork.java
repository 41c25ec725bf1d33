package dev.impulse.network;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bridge networking ({@code --network bridge}, the default): every chamber has a network namespace
 * of its own, joined by a veth pair to the daemon's bridge, with the address the subnet gives its
 * port ({@code subnet + 2 + (port - first port)}: no second allocator, and a chamber's address is
 * known from its record). The wrapper listens on {@link #WRAPPER_PORT} inside; nftables forwards
 * the chamber's host port to it and filters everything else ({@link BridgeRules}).
 *
 * <p>Making a namespace costs two {@code ip} batches and one {@code nft} element, about 12 ms, so a
 * pool keeps {@code poolSize} of them ready, port and forwarding included, and {@link #attach} only
 * takes one. A namespace is never reused: a destroyed chamber's is deleted with its veth, and its
 * port and address come back only after the rest of the range was used (the port allocator walks
 * on).
 */
public final class BridgeNetwork implements ChamberNetwork {
  /** The port every wrapper listens on inside its namespace. */
  public static final int WRAPPER_PORT = 8080;

  private static final Path NETNS_DIR = BridgeSetup.NETNS_DIR;
  private static final Path SYS_NET = BridgeSetup.SYS_NET;
  private static final Duration RETRY = Duration.ofSeconds(1);
  private static final Duration BUILD_WAIT = Duration.ofSeconds(10);

  /**
   * How long the pool keeps still after a create took a namespace, while more than one is ready:
   * making one takes kernel locks (mounts, rtnl) that the create's runc create needs too, and at
   * the lowest CPU priority a busy machine lets it hold them long.
   */
  static final Duration QUIET_AFTER_TAKE = Duration.ofMillis(300);

  private static final Logger log = LoggerFactory.getLogger(BridgeNetwork.class);

  private final BridgeSettings settings;
  private final PortAllocator ports;
  private final NetCommands commands;
  private final BridgeSetup setup;
  private final ChamberNamespaces namespaces;
  private final ChamberNamespaces ahead;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Integer> ready = new ArrayDeque<>();
  private long lastTake = System.nanoTime() - QUIET_AFTER_TAKE.toNanos();
  private int building;
  private boolean filling;
  private boolean closed;
  private Thread refiller;
  private Map<String, Path> files = Map.of();

  BridgeNetwork(BridgeSettings settings, PortAllocator ports, NetCommands commands) {
    this.settings = settings;
    this.ports = ports;
    this.commands = commands;
    this.setup = new BridgeSetup(settings, commands);
    this.namespaces = new ChamberNamespaces(settings, ports.range(), commands);
    this.ahead = new ChamberNamespaces(settings, ports.range(), commands.background());
    if (ports.range().size() > settings.subnet().chamberCapacity()) {
      throw new IllegalArgumentException(
          "--chamber-subnet "
              + settings.subnet()
              + " has addresses for "
              + settings.subnet().chamberCapacity()
              + " chambers, fewer than the "
              + ports.range().size()
              + " ports of --port-range "
              + ports.range()
              + "; use a larger subnet or a smaller range");
    }
  }

  /**
   * A bridge network running {@code ip}, {@code nft} and {@code conntrack} through {@code runner}.
   */
  public static BridgeNetwork create(
      BridgeSettings settings,
      PortAllocator ports,
      dev.impulse.linux.ProcessCommandRunner runner,
      Path ip,
      Path nft,
      Path conntrack) {
    return new BridgeNetwork(settings, ports, new NetCommands(runner, ip, nft, conntrack));
  }

  @Override
  public void start() {
    setup.checkSubnetIsFree();
    BridgeSetup.writeSysctl("ipv4/ip_forward", "1");
    setup.ensureBridge();
    // Loopback callers' connections are rerouted onto the bridge (and masqueraded there).
    BridgeSetup.writeSysctl("ipv4/conf/" + settings.bridge() + "/route_localnet", "1");
    files = setup.writeSharedFiles();
    List<Integer> held = ports.held();
    Map<Integer, InetAddress> forwards = new LinkedHashMap<>();
    held.forEach(port -> forwards.put(port, namespaces.address(port)));
    commands.nft(
        "install the forwarding and filtering rules of bridge " + settings.bridge(),
        BridgeRules.script(settings, WRAPPER_PORT, forwards));
    Set<String> strays = setup.strays(new HashSet<>(held));
    strays.forEach(namespaces::removeLinks);
    int rebuilt = 0;
    StringBuilder reattach = new StringBuilder();
    for (int port : held) {
      String name = name(port);
      if (Files.exists(NETNS_DIR.resolve(name)) && Files.exists(SYS_NET.resolve(name))) {
        // A running chamber keeps its namespace; its veth goes (back) on the bridge, which may be
        // new if someone removed it.
        reattach
            .append("link set ")
            .append(name)
            .append(" master ")
            .append(settings.bridge())
            .append(" up\n");
      } else {
        // The node rebooted (or half of it was removed): the chamber starts again in a new one.
        namespaces.removeLinks(name);
        namespaces.build(port, false);
        rebuilt++;
      }
    }
    if (!reattach.isEmpty()) {
      commands.ip("put the chambers' veths on bridge " + settings.bridge(), reattach.toString());
    }
    namespaces.reconcileNeighbours(held);
    log.info(
        "bridge {} on {}: {} chamber network(s) kept, {} rebuilt, {} unused removed; {} kept ready",
        settings.bridge(),
        settings.subnet(),
        held.size() - rebuilt,
        rebuilt,
        strays.size(),
        settings.poolSize());
    if (settings.poolSize() > 0) {
      refiller = Thread.ofVirtual().name("network-pool").start(this::refill);
    }
  }

  @Override
  public int attach() {
    Integer ready = takeReady(false);
    if (ready != null) {
      return ready;
    }
    int port;
    try {
      port = ports.allocate();
    } catch (PortsExhaustedException e) {
      // The pool may be making a namespace with the last free port: wait for it.
      ready = takeReady(true);
      if (ready == null) {
        throw e;
      }
      return ready;
    }
    try {
      namespaces.build(port, true);
    } catch (RuntimeException e) {
      abandon(port);
      throw e;
    }
    return port;
  }

  /**
   * A ready namespace's port, or null; with {@code awaitBuilding}, waits (at most {@link
   * #BUILD_WAIT}) for those the pool is making.
   */
  private Integer takeReady(boolean awaitBuilding) {
    lock.lock();
    try {
      long left = BUILD_WAIT.toNanos();
      while (ready.isEmpty() && awaitBuilding && building > 0 && left > 0) {
        left = changed.awaitNanos(left);
      }
      Integer port = ready.poll();
      if (port != null) {
        lastTake = System.nanoTime();
        changed.signalAll();
      }
      return port;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean reserve(int port) {
    return ports.reserve(port);
  }

  @Override
  public void detach(int port) {
    namespaces.remove(port);
    ports.release(port);
  }

  @Override
  public Optional<Path> namespace(int port) {
    return Optional.of(NETNS_DIR.resolve(name(port)));
  }

  @Override
  public InetSocketAddress wrapper(int port) {
    return new InetSocketAddress(namespaces.address(port), WRAPPER_PORT);
  }

  @Override
  public InetSocketAddress wrapperBind(int port) {
    return new InetSocketAddress("0.0.0.0", WRAPPER_PORT);
  }

  @Override
  public Optional<InetAddress> address(int port) {
    // A chamber recorded under another --port-range has no address in this one.
    return ports.range().contains(port) ? Optional.of(namespaces.address(port)) : Optional.empty();
  }

  @Override
  public Map<String, Path> sharedFiles() {
    return files;
  }

  @Override
  public int inUse() {
    lock.lock();
    try {
      return ports.inUse() - ready.size() - building;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (refiller != null) {
      try {
        refiller.join(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    List<Integer> unused;
    lock.lock();
    try {
      unused = List.copyOf(ready);
      ready.clear();
    } finally {
      lock.unlock();
    }
    unused.forEach(this::abandon);
    if (ports.inUse() == 0) {
      // No chamber holds a network: leave nothing of the bridge behind.
      try {
        commands.nft(
            "remove the rules of bridge " + settings.bridge(),
            BridgeRules.removal(settings.bridge()));
        if (Files.exists(SYS_NET.resolve(settings.bridge()))) {
          commands.ip("remove bridge " + settings.bridge(), "link del " + settings.bridge() + "\n");
        }
        for (Path file : files.values()) {
          Files.deleteIfExists(file);
        }
        Files.deleteIfExists(settings.filesDir());
      } catch (RuntimeException | IOException e) {
        log.warn("bridge {}: could not remove it: {}", settings.bridge(), e.getMessage());
      }
    }
  }

  /** The name of the namespace and the host's veth of the chamber on {@code port}. */
  String name(int port) {
    return namespaces.name(port);
  }

  /** Removes what a failed build left and gives the port back; logs what it cannot remove. */
  private void abandon(int port) {
    try {
      namespaces.remove(port);
      ports.release(port);
    } catch (RuntimeException e) {
      log.warn(
          "network of port {}: cannot remove it; its port stays held: {}", port, e.getMessage());
    }
  }

  /**
   * Whether the pool should make one more: once it is down to half, it fills up again. Making
   * namespaces in bursts keeps the work (processes, the kernel's namespace set-up) away from most
   * starts, instead of overlapping every one. Call with the lock held.
   */
  private boolean needsBuild() {
    int have = ready.size() + building;
    if (have >= settings.poolSize()) {
      filling = false;
    } else if (have <= settings.poolSize() / 2) {
      filling = true;
    }
    return filling;
  }

  /** Keeps {@code poolSize} namespaces ready; one at a time, off every caller's path. */
  private void refill() {
    while (true) {
      lock.lock();
      try {
        while (!closed && !needsBuild()) {
          changed.awaitUninterruptibly();
        }
        long quiet;
        while (!closed
            && ready.size() > 1
            && (quiet = QUIET_AFTER_TAKE.toNanos() - (System.nanoTime() - lastTake)) > 0) {
          try {
            changed.awaitNanos(quiet);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        if (closed) {
          return;
        }
        building++;
      } finally {
        lock.unlock();
      }
      boolean made = false;
      try {
        int port = ports.allocate();
        try {
          ahead.build(port, true); // at the lowest CPU priority
          made = true;
          lock.lock();
          try {
            ready.add(port);
            changed.signalAll();
          } finally {
            lock.unlock();
          }
        } catch (RuntimeException e) {
          log.warn("network pool: {}", e.getMessage());
          abandon(port);
        }
      } catch (PortsExhaustedException e) {
        // Every port is held: wait until one comes back.
      } finally {
        lock.lock();
        try {
          building--;
          changed.signalAll();
          if (!made && !closed) {
            changed.await(RETRY.toMillis(), TimeUnit.MILLISECONDS);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } finally {
          lock.unlock();
        }
      }
    }
  }
}
