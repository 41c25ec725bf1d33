package dev.impulse.network;

/** Every port of the range is taken. */
public final class PortsExhaustedException extends RuntimeException {
  PortsExhaustedException(PortRange range, int inUse, int heldElsewhere) {
    super(
        "no free port in "
            + range
            + " ("
            + inUse
            + " in use by chambers"
            + (heldElsewhere > 0 ? ", " + heldElsewhere + " held by other programs" : "")
            + "); destroy chambers or start the daemon with a wider --port-range");
  }
}
