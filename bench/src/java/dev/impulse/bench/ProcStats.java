package dev.impulse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Readings from /proc: memory, and a description of the machine. */
final class ProcStats {
  /** USER_HZ: the unit of /proc's CPU times on Linux. */
  private static final long CLOCK_TICKS = 100;

  private ProcStats() {}

  /** A field of /proc/meminfo in KiB. */
  static long meminfoKb(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  /** Memory in use on the host (MemTotal - MemAvailable), KiB. */
  static long usedKb() {
    return meminfoKb("MemTotal") - meminfoKb("MemAvailable");
  }

  /** A process's resident set, KiB. */
  static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  /**
   * Milliseconds of CPU time all cores spent busy since boot (/proc/stat: all but idle, iowait).
   */
  static long hostBusyMillis() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        if (i != 4 && i != 5) {
          busy += Long.parseLong(f[i]);
        }
      }
      return busy * 1000 / CLOCK_TICKS;
    } catch (IOException e) {
      return -1;
    }
  }

  /** Milliseconds of CPU time a process has used (user + system), or -1. */
  static long processCpuMillis(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000 / CLOCK_TICKS;
    } catch (IOException e) {
      return -1;
    }
  }

  /** CPU time in milliseconds: in user mode, in the kernel. */
  record CpuTimes(long userMillis, long systemMillis) {
    long totalMillis() {
      return userMillis + systemMillis;
    }

    CpuTimes minus(CpuTimes before) {
      return new CpuTimes(userMillis - before.userMillis, systemMillis - before.systemMillis);
    }
  }

  /** A process's own CPU time (utime, stime); zeros when it is gone. */
  static CpuTimes cpuTimes(long pid) {
    return statTimes(pid, 11);
  }

  /**
   * The CPU time of the children a process has waited for (cutime, cstime): what the programs a
   * harness ran cost; zeros when it is gone.
   */
  static CpuTimes waitedChildrenCpuTimes(long pid) {
    return statTimes(pid, 13);
  }

  private static CpuTimes statTimes(long pid, int field) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new CpuTimes(
          Long.parseLong(f[field]) * 1000 / CLOCK_TICKS,
          Long.parseLong(f[field + 1]) * 1000 / CLOCK_TICKS);
    } catch (IOException e) {
      return new CpuTimes(0, 0);
    }
  }

  /** The machine the numbers come from. */
  static Map<String, Object> machine() {
    Map<String, Object> machine = new LinkedHashMap<>();
    machine.put("cpus", Runtime.getRuntime().availableProcessors());
    machine.put("cpuModel", first("/proc/cpuinfo", "model name"));
    machine.put("memoryMiB", meminfoKb("MemTotal") / 1024);
    machine.put("kernel", read("/proc/sys/kernel/osrelease"));
    machine.put("java", System.getProperty("java.vm.version"));
    machine.put("runc", command("runc", "--version"));
    machine.put("conmon", command("conmon", "--version"));
    return machine;
  }

  private static String first(String file, String key) {
    try {
      for (String line : Files.readAllLines(Path.of(file))) {
        if (line.startsWith(key)) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      return "unknown";
    }
    return "unknown";
  }

  /** The load averages over 1, 5 and 15 minutes ({@code /proc/loadavg}'s first three fields). */
  static String loadAverage() {
    String[] fields = read("/proc/loadavg").split(" ");
    return fields.length < 3 ? "unknown" : fields[0] + " " + fields[1] + " " + fields[2];
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file)).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String command(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).lines().findFirst().orElse("");
      p.waitFor();
      return out.trim();
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }
}
