package dev.impulse.daemon;

/**
 * The documented defaults, as text so that the command line's option annotations use the very same
 * values.
 */
public final class Defaults {
  private Defaults() {}

  public static final String LISTEN = "127.0.0.1:5000";
  public static final String DATA_DIR = "/var/lib/impulse";
  public static final String RUN_DIR = "/run/impulse";
  public static final String PORT_RANGE = "6000-9999";
  public static final String CHAMBER_ADDRESS = "127.0.0.1";
  public static final String MEMORY_MB = "256";
  public static final String PIDS = "512";
  public static final String CPUS = "1";
  public static final String DISK_MB = "256";
  public static final String MAX_DISK_MB = "2048";
  public static final String STARTUP_TIMEOUT_MS = "30000";
  public static final String STOP_GRACE_MS = "5000";
  public static final String LOG_SIZE_MAX = "10485760";
  public static final String MAX_FUNCTION_BYTES = "67108864";
  public static final String MAX_FUNCTIONS = "1000";
  public static final String CGROUP_PARENT = "impulse";
  public static final String HEALTH_INTERVAL_MS = "5000";
  public static final String UNHEALTHY_AFTER = "3";
  public static final String RESTART_BACKOFF_MS = "1000";
  public static final String MAX_RESTART_BACKOFF_MS = "60000";
  public static final String EVENTS_RETAINED = "10000";
  public static final String ENDED_RETAINED = "1000";
  public static final String MAX_CONNECTIONS = "1024";
  public static final String MAX_CONNECTIONS_PER_CLIENT = "128";
  public static final String HEADER_TIMEOUT_MS = "10000";
  public static final String IDLE_TIMEOUT_MS = "30000";
  public static final String MAX_STREAMS = "64";
  public static final String MAX_UPLOADS = "2";
  public static final String MIN_FREE_DISK_MB = "256";
  public static final String STORE_RESERVE_MB = "16";
  public static final String RUNC = "/usr/sbin/runc";
  public static final String CONMON = "/usr/bin/conmon";
  public static final String MMDEBSTRAP = "/usr/bin/mmdebstrap";
  public static final String IP = "/usr/sbin/ip";
  public static final String NFT = "/usr/sbin/nft";
  public static final String CONNTRACK = "/usr/sbin/conntrack";
  public static final String NETWORK = "bridge";
  public static final String BRIDGE = "impulse0";
  public static final String CHAMBER_SUBNET = "10.199.0.0/16";
  public static final String NETWORK_POOL = "4";
  public static final String POOL_SIZE = "2";
  public static final String CHAMBER_MAX_FLOWS = "1024";
  public static final String PROXY_LISTEN = "127.0.0.1:8080";
  public static final String ACTIVATION_TIMEOUT_MS = "30000";
  public static final String QUEUE_LENGTH = "100";
  public static final String PROXY_MAX_CONNECTIONS = "4096";
  public static final String PROXY_TIMEOUT_MS = "60000";
}
