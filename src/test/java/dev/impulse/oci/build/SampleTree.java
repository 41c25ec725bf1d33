package dev.impulse.oci.build;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** Trees for the layer writer to write, and a reader of what it wrote. */
final class SampleTree {
  static final Instant TIME = Instant.parse("2024-05-06T07:08:09Z");

  private SampleTree() {}

  /**
   * A tree with files of several modes (0644, 0755, 0700, set-uid 04755), a symbolic link to an
   * absolute path and a dangling one, a hard link, an empty directory, a FIFO and a socket.
   */
  static Path create(Path dir) throws IOException {
    Files.createDirectories(dir);
    file(dir.resolve("readme.txt"), "read me\n", "rw-r--r--");
    Files.createDirectory(dir.resolve("bin"));
    file(dir.resolve("bin/tool"), "#!/bin/sh\necho tool\n", "rwxr-xr-x");
    Files.createLink(dir.resolve("bin/tool-again"), dir.resolve("bin/tool"));
    file(dir.resolve("bin/suid"), "set-uid\n", "rwxr-xr-x");
    Files.setAttribute(dir.resolve("bin/suid"), "unix:mode", 04755);
    file(dir.resolve("secret"), "private\n", "rwx------");
    Files.createSymbolicLink(dir.resolve("passwd"), Path.of("/etc/passwd"));
    Files.createSymbolicLink(dir.resolve("dangling"), Path.of("nowhere/missing"));
    Files.createDirectory(dir.resolve("empty"));
    Files.setPosixFilePermissions(
        dir.resolve("empty"), PosixFilePermissions.fromString("rwxr-x---"));
    fifo(dir.resolve("fifo"));
    socket(dir.resolve("socket"));
    for (String path : List.of("readme.txt", "bin/tool", "bin/suid", "secret", "empty", "bin")) {
      Files.setLastModifiedTime(dir.resolve(path), FileTime.from(TIME));
    }
    return dir;
  }

  static void file(Path file, String content, String permissions) throws IOException {
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
  }

  static void fifo(Path path) throws IOException {
    try {
      Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
      if (mkfifo.waitFor() != 0 || !Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException("mkfifo " + path + " failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted making a FIFO", e);
    }
  }

  /** A Unix socket file; its channel is closed, the file stays. */
  static void socket(Path path) throws IOException {
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
    }
  }

  /** The entries of a gzip-compressed tar, in order. */
  static List<TarArchiveEntry> entries(Path blob) throws IOException {
    List<TarArchiveEntry> entries = new ArrayList<>();
    try (InputStream in = Files.newInputStream(blob);
        TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(in))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        entries.add(entry);
      }
    }
    return entries;
  }

  /** The entries' names, in order. */
  static List<String> names(Path blob) throws IOException {
    return entries(blob).stream().map(TarArchiveEntry::getName).toList();
  }
}
