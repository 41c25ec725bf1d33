package dev.impulse.network;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Asks the host's network stack whether a TCP port can be bound. */
public final class HostPorts {
  private final InetAddress address;

  /** Checks ports on {@code address}, the address chambers bind. */
  public HostPorts(InetAddress address) {
    this.address = address;
  }

  /** True when nothing listens on {@code port} at this address. */
  public boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(address, port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
