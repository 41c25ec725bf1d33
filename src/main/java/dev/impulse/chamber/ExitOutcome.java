package dev.impulse.chamber;

import java.util.Optional;

/**
 * What a container's end means for its chamber: STOPPED or FAILED, and why. Pure: decided from the
 * exit code and what conmon and the wrapper left behind.
 */
record ExitOutcome(ChamberStatus status, String reason) {
  /**
   * @param exitCode conmon's record: the code, or 128+N for signal N
   * @param oomKilled conmon saw the OOM killer act in the container's cgroup
   * @param terminationMessage what the wrapper wrote to its termination log
   * @param destroyed the chamber was being destroyed
   */
  static ExitOutcome of(
      int exitCode, boolean oomKilled, Optional<String> terminationMessage, boolean destroyed) {
    if (destroyed) {
      return new ExitOutcome(ChamberStatus.STOPPED, "destroyed");
    }
    if (oomKilled) {
      return new ExitOutcome(ChamberStatus.FAILED, "OOMKilled");
    }
    Optional<String> message = terminationMessage.map(String::strip).filter(m -> !m.isEmpty());
    if (message.isPresent()) {
      return new ExitOutcome(ChamberStatus.FAILED, message.get());
    }
    if (exitCode == 0) {
      return new ExitOutcome(ChamberStatus.STOPPED, "exited with code 0");
    }
    if (exitCode > 128 && exitCode < 128 + 65) {
      int signal = exitCode - 128;
      return new ExitOutcome(
          ChamberStatus.FAILED, "killed by signal " + signal + signalName(signal));
    }
    return new ExitOutcome(ChamberStatus.FAILED, "exited with code " + exitCode);
  }

  private static String signalName(int signal) {
    return switch (signal) {
      case 1 -> " (SIGHUP)";
      case 2 -> " (SIGINT)";
      case 6 -> " (SIGABRT)";
      case 9 -> " (SIGKILL)";
      case 11 -> " (SIGSEGV)";
      case 15 -> " (SIGTERM)";
      default -> "";
    };
  }
}
