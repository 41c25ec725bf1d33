package dev.impulse.proxy;

import java.time.Duration;

/**
 * The edge proxy's settings.
 *
 * @param host the address it listens on
 * @param port its port (0: any free one)
 * @param activationTimeout how long a request waits for a chamber with room before a 504
 * @param maxConnections client connections at most; further ones wait in the kernel's backlog
 * @param maxConnectionsPerClient client connections at once from one client (address, IPv6 /64)
 * @param headerTimeout time a connection has to send a whole request head
 * @param idleTimeout a client connection idle this long is closed
 * @param upstreamIdleTimeout a chamber silent this long in the middle of a request: 504
 */
public record ProxySettings(
    String host,
    int port,
    Duration activationTimeout,
    int maxConnections,
    int maxConnectionsPerClient,
    Duration headerTimeout,
    Duration idleTimeout,
    Duration upstreamIdleTimeout) {}
