package dev.impulse.network;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Holds every port a chamber (or the pool) has, on the chamber address: a TCP socket listening
 * there that never accepts (nftables forwards the port's connections before they reach it). With
 * bridge networking no wrapper binds the port on the host, so without this a host program could
 * bind it afterwards and its local clients would be forwarded to a tenant; and another daemon's
 * port check could not see it. A program that binds the port now gets "Address already in use",
 * {@code SO_REUSEADDR} or not: a listening socket excludes every other. ({@code SO_REUSEADDR} on
 * ours lets it bind over a connection of the port still in TIME_WAIT; without it, the density
 * benchmark's 800th create failed on one.) Thread-safe.
 */
final class PortHolds {
  private final InetAddress address;
  private final Map<Integer, ServerSocket> held = new ConcurrentHashMap<>();

  PortHolds(InetAddress address) {
    this.address = address;
  }

  /** Binds {@code port}; throws {@link NetworkException} when another program has it. */
  void hold(int port) {
    if (held.containsKey(port)) {
      return;
    }
    ServerSocket socket;
    try {
      socket = new ServerSocket();
    } catch (IOException e) {
      throw new NetworkException("cannot hold port " + port + ": " + e.getMessage(), e);
    }
    try {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(address, port), 1);
    } catch (IOException e) {
      close(socket);
      throw new NetworkException(
          "port "
              + port
              + " on "
              + address.getHostAddress()
              + " is bound by another program ("
              + e.getMessage()
              + "); keep other programs out of --port-range");
    }
    held.put(port, socket);
  }

  /** Lets {@code port} go. */
  void release(int port) {
    ServerSocket socket = held.remove(port);
    if (socket != null) {
      close(socket);
    }
  }

  private static void close(ServerSocket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // it never accepted a connection
    }
  }
}
