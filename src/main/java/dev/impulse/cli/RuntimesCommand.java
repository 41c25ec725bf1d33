package dev.impulse.cli;

import ch.qos.logback.classic.Level;
import dev.impulse.image.Baseimage;
import dev.impulse.image.Baseimages;
import dev.impulse.image.Mmdebstrap;
import dev.impulse.image.RuntimeCatalog;
import dev.impulse.image.RuntimeDefinition;
import dev.impulse.linux.Processes;
import dev.impulse.linux.Reaper;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code impulse runtimes}: list runtimes, build their baseimages ahead of time. */
@Command(
    name = "runtimes",
    mixinStandardHelpOptions = true,
    description = "List runtimes or build their baseimages.",
    subcommands = {
      RuntimesCommand.List.class,
      RuntimesCommand.Build.class,
      RuntimesCommand.Prune.class
    })
final class RuntimesCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Where baseimages are, shared by the subcommands. */
  static final class Location {
    @Option(
        names = "--data-dir",
        defaultValue = "${env:IMPULSE_DATA_DIR:-/var/lib/impulse}",
        description = "The daemon's data directory (default: ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(
        names = "--baseimage-dir",
        defaultValue = "${env:IMPULSE_BASEIMAGE_DIR:-}",
        description = "Where baseimages are built (default: DATA-DIR/baseimages)")
    String baseimageDir;

    @Option(
        names = "--mmdebstrap",
        defaultValue = "${env:IMPULSE_MMDEBSTRAP:-/usr/bin/mmdebstrap}",
        description = "The mmdebstrap binary (default: ${DEFAULT-VALUE})")
    Path mmdebstrap;

    Baseimages baseimages() {
      Path dir =
          baseimageDir.isBlank()
              ? dataDir.toAbsolutePath().resolve("baseimages")
              : Path.of(baseimageDir);
      return new Baseimages(dir, new Mmdebstrap(mmdebstrap, new Reaper()));
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List runtimes.")
  static final class List implements Runnable {
    @picocli.CommandLine.Mixin Location location;
    @Spec CommandSpec spec;

    @Override
    public void run() {
      RuntimeCatalog catalog = RuntimeCatalog.standard();
      Baseimages baseimages = location.baseimages();
      for (RuntimeDefinition runtime : catalog.runtimes()) {
        spec.commandLine()
            .getOut()
            .printf(
                "%-12s %-8s %-10s %s%n",
                runtime.name(),
                runtime.language().id(),
                runtime.suite(),
                baseimages.status(runtime).phase());
      }
      catalog
          .aliases()
          .forEach((alias, target) ->
              spec.commandLine().getOut().printf("%-12s -> %s%n", alias, target));
    }
  }

  @Command(
      name = "prune",
      mixinStandardHelpOptions = true,
      description =
          "Remove baseimages of recipes no runtime uses any more, and old wrapper layers,"
              + " unless a mounted chamber uses them (root).")
  static final class Prune implements Callable<Integer> {
    @picocli.CommandLine.Mixin Location location;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws java.io.IOException {
      if (!Processes.isRoot()) {
        throw new IllegalStateException("pruning baseimages needs root (they are root's files)");
      }
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME))
          .setLevel(Level.WARN);
      java.util.Set<java.nio.file.Path> mounted = dev.impulse.linux.Mounts.overlayLowerDirs();
      Baseimages.Pruned pruned =
          location.baseimages().prune(RuntimeCatalog.standard().runtimes(), mounted::contains);
      var out = spec.commandLine().getOut();
      pruned.removed().forEach(p -> out.println("removed " + p));
      pruned.inUse().forEach(p -> out.println("kept " + p + " (a mounted chamber uses it)"));
      out.printf("%d removed, %d in use%n", pruned.removed().size(), pruned.inUse().size());
      return 0;
    }
  }

  @Command(
      name = "build",
      mixinStandardHelpOptions = true,
      description = "Build a runtime's baseimage now (root; takes about half a minute).")
  static final class Build implements Callable<Integer> {
    @picocli.CommandLine.Mixin Location location;

    @Parameters(paramLabel = "NAME", description = "A runtime or alias, such as python3.11")
    String name;

    @Option(
        names = "--push",
        paramLabel = "REGISTRY/REPO:TAG",
        description =
            "Then publish it as a runtime image there, for other nodes to pull (PUT"
                + " /runtimes/{name}) instead of building it")
    String push;

    @Option(
        names = "--insecure-registry",
        split = ",",
        paramLabel = "HOST[:PORT]",
        description = "A registry spoken to over plain HTTP (loopback ones always are)")
    java.util.List<String> insecureRegistries = java.util.List.of();

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      if (!Processes.isRoot()) {
        throw new IllegalStateException("building a baseimage needs root (mmdebstrap --mode=root)");
      }
      // Progress goes to the terminal below; the log would only repeat it.
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME))
          .setLevel(Level.WARN);
      RuntimeDefinition runtime = RuntimeCatalog.standard().resolve(name);
      Baseimages baseimages = location.baseimages();
      var out = spec.commandLine().getOut();
      out.printf("building %s from Debian %s%n", runtime.name(), runtime.suite());
      out.flush();
      Baseimage built =
          baseimages.ensureBuilt(
              runtime,
              line -> {
                out.println("  " + line);
                out.flush();
              });
      out.printf("%s is built: %s%n", runtime.name(), built.rootfs());
      if (push != null) {
        out.printf("publishing %s to %s%n", runtime.name(), push);
        out.flush();
        try {
          var pushed =
              dev.impulse.bakery.RuntimePublisher.publish(
                  built,
                  push,
                  java.util.Set.copyOf(insecureRegistries),
                  location.dataDir.resolve("bakery").resolve("layers"));
          out.printf("pushed %s%n", pushed);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      return 0;
    }
  }
}
