package dev.impulse.network;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Holds every port a chamber (or the pool) has, on the chamber address: a TCP socket bound there,
 * not listening, without {@code SO_REUSEADDR}. With bridge networking no wrapper binds the port on
 * the host (nftables forwards it), so without this a host program could bind it afterwards and its
 * local clients would be forwarded to a tenant; and another daemon's port check could not see it. A
 * program that binds the port now gets "Address already in use". Thread-safe.
 */
final class PortHolds {
  private final InetAddress address;
  private final Map<Integer, Socket> held = new ConcurrentHashMap<>();

  PortHolds(InetAddress address) {
    this.address = address;
  }

  /** Binds {@code port}; throws {@link NetworkException} when another program has it. */
  void hold(int port) {
    if (held.containsKey(port)) {
      return;
    }
    Socket socket = new Socket();
    try {
      socket.bind(new InetSocketAddress(address, port));
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
    Socket socket = held.remove(port);
    if (socket != null) {
      close(socket);
    }
  }

  private static void close(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing was sent on it
    }
  }
}
