package dev.impulse.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/** Mounting and unmounting file systems with mount(2), and reading the mount table. */
public final class Mounts {
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  private Mounts() {}

  /**
   * Mounts an overlay at {@code target} with the given option string ({@code lowerdir=...,
   * upperdir=...,workdir=...}); device files and set-uid bits have no effect inside it.
   */
  public static void mountOverlay(Path target, String options) {
    Libc.mount("overlay", target.toString(), "overlay", Libc.MS_NODEV | Libc.MS_NOSUID, options);
  }

  /**
   * Mounts a tmpfs of at most {@code sizeBytes} (and 16 inodes) at {@code target}: a small file
   * system of its own, so whatever is written into it can never fill another. No devices, set-uid
   * bits or executables take effect in it.
   */
  public static void mountSmallTmpfs(Path target, long sizeBytes) {
    Libc.mount(
        "tmpfs",
        target.toString(),
        "tmpfs",
        Libc.MS_NODEV | Libc.MS_NOSUID | Libc.MS_NOEXEC,
        "size=" + sizeBytes + ",nr_inodes=16,mode=0755");
  }

  /**
   * Mounts a small empty tmpfs at {@code target} and makes it shared: whatever is mounted on it
   * later also appears in every copy of it bound with slave propagation, such as a running
   * container's.
   */
  public static void mountSharedTmpfs(Path target, long sizeBytes) {
    mountSmallTmpfs(target, sizeBytes);
    Libc.mount("none", target.toString(), "none", Libc.MS_SHARED, "");
  }

  /**
   * Binds directory {@code source} at {@code target}, read-only, without devices or set-uid bits,
   * from its first moment: a remount would not propagate, and a shared {@code target} hands the
   * bind on to its copies (a running container's) as it is attached.
   */
  public static void bindReadOnly(Path source, Path target) {
    MountCalls.bindWithAttributes(
        source.toString(),
        target.toString(),
        MountCalls.MOUNT_ATTR_RDONLY | MountCalls.MOUNT_ATTR_NOSUID | MountCalls.MOUNT_ATTR_NODEV);
  }

  /** True when a file system is mounted exactly at {@code target}. */
  public static boolean isMountPoint(Path target) {
    return mountPoints().contains(target.toAbsolutePath().normalize());
  }

  /**
   * Unmounts {@code target}. Returns false when nothing was mounted there. A mount still busy is
   * detached lazily: it disappears from the tree now and is released when its last user goes.
   */
  public static boolean unmount(Path target) {
    try {
      Libc.umount2(target.toString(), 0);
      return true;
    } catch (LinuxException e) {
      if (e.errno() == Libc.EINVAL || e.errno() == Libc.ENOENT) {
        return false;
      }
      if (e.errno() == Libc.EBUSY) {
        Libc.umount2(target.toString(), Libc.MNT_DETACH);
        return true;
      }
      throw e;
    }
  }

  /** The mount points of this process's mount namespace, in mount order. */
  public static Set<Path> mountPoints() {
    try {
      Set<Path> points = new LinkedHashSet<>();
      for (String line : Files.readAllLines(MOUNTINFO)) {
        String[] fields = line.split(" ", 6);
        if (fields.length > 4) {
          points.add(Path.of(unescape(fields[4])));
        }
      }
      return points;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + MOUNTINFO, e);
    }
  }

  /**
   * Every lower layer of the overlays mounted in this process's mount namespace (all of impulse's
   * chambers and cells, of every daemon on the host's namespace).
   */
  public static Set<Path> overlayLowerDirs() {
    try {
      return overlayLowerDirs(Files.readAllLines(MOUNTINFO));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + MOUNTINFO, e);
    }
  }

  /** {@link #overlayLowerDirs()} of the mountinfo {@code lines}. */
  static Set<Path> overlayLowerDirs(java.util.List<String> lines) {
    Set<Path> lower = new LinkedHashSet<>();
    for (String line : lines) {
      int separator = line.indexOf(" - ");
      if (separator < 0) {
        continue;
      }
      String[] fields = line.substring(separator + 3).split(" ");
      if (fields.length < 3 || !fields[0].equals("overlay")) {
        continue;
      }
      for (String option : fields[2].split(",")) {
        if (option.startsWith("lowerdir=")) {
          for (String dir : option.substring("lowerdir=".length()).split(":")) {
            if (!dir.isEmpty()) {
              lower.add(Path.of(unescape(dir)));
            }
          }
        }
      }
    }
    return lower;
  }

  /** mountinfo escapes space, tab, newline and backslash as three octal digits. */
  static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    StringBuilder out = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && isOctal(field, i + 1)) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }
}
