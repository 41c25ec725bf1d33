package dev.impulse.network;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How chambers are reached and what they reach. Each live chamber holds one port of the range; with
 * bridge networking ({@link BridgeNetwork}) the port also stands for the chamber's own network
 * namespace, address and forwarding, with host networking ({@link HostNetwork}) for nothing more.
 * Thread-safe.
 */
public interface ChamberNetwork extends AutoCloseable {
  /**
   * Readies the host for chambers (bridge, rules, namespaces of the ports already {@link #reserve
   * reserved}) and removes what no chamber holds. Call once, after recovery reserved the ports of
   * the chambers that survived.
   */
  void start();

  /**
   * Takes a port with everything it stands for; fast (bridge networking takes a namespace made
   * ahead). Throws {@link PortsExhaustedException} when no port is free, {@link NetworkException}
   * when a namespace cannot be made.
   */
  int attach();

  /**
   * Marks {@code port} as held by a chamber that survived a daemon restart, before {@link #start};
   * false when it is outside the range or already held.
   */
  boolean reserve(int port);

  /**
   * Releases {@code port} and what it stands for. Repeatable: what is already gone is skipped.
   * Throws {@link NetworkException} when something could not be removed; the port stays held then.
   */
  void detach(int port);

  /** The network namespace a chamber on {@code port} joins; empty with host networking. */
  Optional<Path> namespace(int port);

  /** Where the wrapper of the chamber on {@code port} listens, seen from the host. */
  InetSocketAddress wrapper(int port);

  /** What the wrapper of the chamber on {@code port} binds, inside the chamber. */
  InetSocketAddress wrapperBind(int port);

  /** The chamber's own address; empty with host networking. */
  Optional<InetAddress> address(int port);

  /** Files the chambers share, such as their resolv.conf, bound read-only into each. */
  java.util.Map<String, Path> sharedFiles();

  /** How many ports chambers hold now (a pool's ready namespaces not counted). */
  int inUse();

  /** Stops making namespaces ahead and removes the unused ones; chambers keep their network. */
  @Override
  void close();
}
