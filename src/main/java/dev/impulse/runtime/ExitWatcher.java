package dev.impulse.runtime;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns of container exits as they happen: watches conmon's exit directory ({@link ExitFiles})
 * with inotify and reports each exit file to a listener. Thread-safe.
 */
public final class ExitWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ExitWatcher.class);

  /** Told of every exit file that appears. Must not block for long. */
  @FunctionalInterface
  public interface Listener {
    void exited(String id, int exitCode);
  }

  private final ExitFiles files;
  private final WatchService watcher;
  private final Listener listener;
  private final Thread loop;

  /** Starts watching the exit directory, which must exist. */
  public ExitWatcher(ExitFiles files, Listener listener) throws IOException {
    this.files = files;
    this.listener = listener;
    this.watcher = files.dir().getFileSystem().newWatchService();
    files
        .dir()
        .register(
            watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
    this.loop = Thread.ofPlatform().name("exit-watcher").daemon().start(this::run);
  }

  /** Reports every exit file present now: for start-up, and after the event queue overflowed. */
  public void rescan() {
    try (Stream<Path> entries = Files.list(files.dir())) {
      entries.forEach(this::report);
    } catch (IOException e) {
      log.warn("cannot list exit directory {}: {}", files.dir(), e.toString());
    }
  }

  private void run() {
    try {
      while (true) {
        WatchKey key = watcher.take();
        for (WatchEvent<?> event : key.pollEvents()) {
          if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
            rescan();
          } else if (event.context() instanceof Path name) {
            report(files.dir().resolve(name));
          }
        }
        if (!key.reset()) {
          log.error("exit directory {} is gone; exits are no longer watched", files.dir());
          return;
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closing
    }
  }

  private void report(Path file) {
    String id = file.getFileName().toString();
    OptionalInt code = ExitFiles.read(file);
    if (code.isEmpty()) {
      return; // conmon's temporary file, or one removed meanwhile
    }
    try {
      listener.exited(id, code.getAsInt());
    } catch (RuntimeException e) {
      log.error("chamber {}: handling its exit failed", id, e);
    }
  }

  @Override
  public void close() throws IOException {
    watcher.close();
    loop.interrupt();
  }
}
