package dev.impulse.skyhook;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Tiny guest jars for tests, compiled from source with the JDK's compiler in a scratch dir. */
final class GuestJars {
  private final Path scratch;

  GuestJars(Path scratch) {
    this.scratch = scratch;
  }

  /**
   * Compiles {@code sources} (class name to source) against {@code classPath} and writes them to
   * {@code jar}, whose manifest names {@code function} as Skyhook-Function unless it is null.
   */
  Path jar(Path jar, String function, Map<String, String> sources, Path... classPath) {
    try {
      Path work = Files.createTempDirectory(Files.createDirectories(scratch), "javac-");
      Path src = Files.createDirectories(work.resolve("src"));
      Path classes = Files.createDirectories(work.resolve("classes"));
      List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "--release", "17"));
      if (classPath.length > 0) {
        args.add("-cp");
        args.add(String.join(":", Stream.of(classPath).map(Path::toString).toList()));
      }
      for (Map.Entry<String, String> source : sources.entrySet()) {
        Path file = src.resolve(source.getKey().replace('.', '/') + ".java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, source.getValue());
        args.add(file.toString());
      }
      JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
      ByteArrayOutputStream errors = new ByteArrayOutputStream();
      int status = javac.run(null, null, errors, args.toArray(String[]::new));
      if (status != 0) {
        throw new IllegalStateException("javac failed: " + errors);
      }
      write(jar, function, classes);
      return jar;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A jar of {@code classes} (a directory) with {@code function} in its manifest, if not null. */
  static void write(Path jar, String function, Path classes) throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    if (function != null) {
      manifest.getMainAttributes().put(new Attributes.Name(GuestLoader.ATTRIBUTE), function);
    }
    Files.createDirectories(jar.getParent());
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
        Stream<Path> files = Files.walk(classes)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(file).toString()));
        Files.copy(file, out);
        out.closeEntry();
      }
    }
  }

  /** A function class {@code name} (in package {@code guest}) whose apply runs {@code body}. */
  static String function(String name, String body) {
    return function(name, "", body);
  }

  /** As {@link #function(String, String)}, with {@code members} in the class too. */
  static String function(String name, String members, String body) {
    return """
    package guest;

    import java.util.Map;
    import java.util.function.BiFunction;

    public class %s implements BiFunction<Object, Map<String, Object>, Object> {
      %s

      @Override
      public Object apply(Object request, Map<String, Object> meta) {
        %s
      }
    }
    """
        .formatted(name, members, body);
  }
}
