package dev.impulse.linux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.util.UUID;

/**
 * Deleting directory trees safely: links are removed, never followed, and the walk never crosses
 * into another file system, so a mount that outlived its owner (a chamber's overlay) can never have
 * its lower layers deleted through it.
 *
 * <p>A tenant can make a tree deeper than any path can name (a {@code mkdir} and {@code chdir} in a
 * loop), so the deletion never goes deeper than two levels: it works through directory descriptors
 * ({@link SecureDirectoryStream}) and, as it empties each directory below the top one, moves that
 * directory's own subdirectories up into the top one (under fresh names) before removing it. Paths
 * stay short, and at most two directories are open at a time, however deep or wide the tree is.
 */
public final class FileTrees {
  private FileTrees() {}

  /**
   * Deletes {@code root} and everything below it; does nothing when it does not exist. Throws
   * {@link IOException} naming the first mount point found inside, which is left in place (with
   * what is above it possibly moved up into {@code root} under a new name).
   */
  public static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      Files.deleteIfExists(root);
      return;
    }
    Object device = device(root);
    boolean more = true;
    while (more) { // each round moves what was two levels down one level up
      try (DirectoryStream<Path> stream = Files.newDirectoryStream(root)) {
        if (!(stream instanceof SecureDirectoryStream<Path> top)) {
          throw new IOException("cannot delete " + root + ": no secure directory streams here");
        }
        more = emptyOneLevel(root, top, device);
      }
    }
    Files.deleteIfExists(root);
  }

  /**
   * Deletes the files in {@code top} and every directory in it, after deleting the files of each
   * and moving its subdirectories up into {@code top}. Returns false when {@code top} was empty.
   */
  private static boolean emptyOneLevel(Path root, SecureDirectoryStream<Path> top, Object device)
      throws IOException {
    boolean any = false;
    for (Path entry : top) {
      any = true;
      Path name = entry.getFileName(); // relative: resolved from the directory's descriptor
      if (!isDirectory(top, name)) {
        deleteFile(top, name);
        continue;
      }
      Path path = root.resolve(name);
      requireSameDevice(path, device, root);
      try (SecureDirectoryStream<Path> dir =
          top.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
        for (Path inner : dir) {
          Path child = inner.getFileName();
          if (isDirectory(dir, child)) {
            requireSameDevice(path.resolve(child), device, root);
            dir.move(child, top, freshName());
          } else {
            deleteFile(dir, child);
          }
        }
      } catch (NoSuchFileException gone) {
        continue;
      }
      try {
        top.deleteDirectory(name);
      } catch (NoSuchFileException gone) {
        // deleted meanwhile
      }
    }
    return any;
  }

  private static boolean isDirectory(SecureDirectoryStream<Path> dir, Path name)
      throws IOException {
    try {
      return dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .readAttributes()
          .isDirectory();
    } catch (NoSuchFileException gone) {
      return false;
    }
  }

  private static void deleteFile(SecureDirectoryStream<Path> dir, Path name) throws IOException {
    try {
      dir.deleteFile(name);
    } catch (NoSuchFileException gone) {
      // deleted meanwhile
    }
  }

  /** A name no tenant can have chosen for a directory moved up into the top one. */
  private static Path freshName() {
    return Path.of(".deleting-" + UUID.randomUUID());
  }

  private static Object device(Path path) throws IOException {
    return Files.getAttribute(path, "unix:dev", LinkOption.NOFOLLOW_LINKS);
  }

  /** Paths here are at most two names below {@code root}: short, whatever the tree's depth. */
  private static void requireSameDevice(Path dir, Object device, Path root) throws IOException {
    if (!device.equals(device(dir))) {
      throw new IOException(dir + " is a mount point; unmount it before deleting " + root);
    }
  }
}
