package dev.impulse.image;

import dev.impulse.linux.RootedDir;
import dev.impulse.linux.RootedDir.FileStat;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The last step of unpacking: every symbolic link of the tree must lead, as the kernel follows it,
 * to something inside. Each link's text was checked as it arrived, but links lead through other
 * links ({@code s -> .} makes {@code s/..} climb out while its text stays in), so the question goes
 * to {@code openat2(RESOLVE_BENEATH)}, which refuses any step out of the root. The tree is walked
 * without following anything. Not thread-safe; used once, on the unpacking thread.
 */
final class LinkCheck {
  private final RootedDir root;
  private final String entryPrefix;

  /**
   * @param root the tree to check
   * @param entryPrefix what to put before a path of the tree to name its archive entry: "" for the
   *     archive's root, {@code "myfunc/"} when the guest is the archive's single directory
   */
  LinkCheck(RootedDir root, String entryPrefix) {
    this.root = root;
    this.entryPrefix = entryPrefix;
  }

  /**
   * Throws {@link InvalidArchiveException} naming the first link that fails, directory by directory
   * in name order.
   */
  void requireAllInside() {
    Deque<String> dirs = new ArrayDeque<>();
    dirs.push(".");
    while (!dirs.isEmpty()) {
      String dir = dirs.pop();
      Deque<String> subdirs = new ArrayDeque<>();
      for (String name : root.list(dir)) {
        String path = dir.equals(".") ? name : dir + "/" + name;
        FileStat stat = root.stat(path).orElseThrow();
        switch (stat.type()) {
          case DIRECTORY -> subdirs.push(path);
          case SYMLINK -> check(path);
          default -> {}
        }
      }
      subdirs.forEach(dirs::push); // pushed in reverse, popped in name order
    }
  }

  private void check(String link) {
    String why =
        switch (root.follow(link)) {
          case LEAVES_ROOT -> "is a symbolic link leaving the function's directory";
          case LOOP -> "is a symbolic link that never resolves: its links loop";
          case MISSING -> "is a symbolic link to nothing";
          case FILE, DIRECTORY, OTHER -> null;
        };
    if (why != null) {
      throw new InvalidArchiveException(
          "archive entry '"
              + entryPrefix
              + link
              + "' is refused: it "
              + why
              + " ("
              + root.readLink(link)
              + ")");
    }
  }
}
