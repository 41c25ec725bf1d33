package dev.impulse.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Guests of the languages other than Python, built as their authors would: Java sources compiled
 * for release 17 and packed in a jar, C compiled static with gcc.
 */
public final class Guests {
  private Guests() {}

  /** A jar of {@code sources} (class name to source), naming {@code function} in its manifest. */
  public static byte[] jar(Map<String, String> sources, String function) {
    Path dir = temporaryDirectory("guest-java-");
    try {
      Path src = Files.createDirectories(dir.resolve("src"));
      Path classes = Files.createDirectories(dir.resolve("classes"));
      List<String> args = new ArrayList<>(List.of("--release", "17", "-d", classes.toString()));
      for (Map.Entry<String, String> source : sources.entrySet()) {
        Path file = src.resolve(source.getKey().replace('.', '/') + ".java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, source.getValue());
        args.add(file.toString());
      }
      JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
      ByteArrayOutputStream errors = new ByteArrayOutputStream();
      int status = javac.run(null, errors, errors, args.toArray(String[]::new));
      if (status != 0) {
        throw new IllegalStateException("javac failed: " + errors.toString(StandardCharsets.UTF_8));
      }
      Manifest manifest = new Manifest();
      manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
      if (function != null) {
        manifest.getMainAttributes().putValue("Skyhook-Function", function);
      }
      ByteArrayOutputStream jar = new ByteArrayOutputStream();
      try (JarOutputStream out = new JarOutputStream(jar, manifest);
          Stream<Path> files = Files.walk(classes)) {
        for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
          out.putNextEntry(new JarEntry(classes.relativize(file).toString()));
          out.write(Files.readAllBytes(file));
          out.closeEntry();
        }
      }
      return jar.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      delete(dir);
    }
  }

  /** {@code source} compiled with {@code gcc -static}: an executable that needs nothing. */
  public static byte[] staticBinary(Path source) {
    Path dir = temporaryDirectory("guest-c-");
    try {
      Path out = dir.resolve("skyhook");
      Process gcc =
          new ProcessBuilder(
                  "gcc", "-static", "-O2", "-Wall", "-o", out.toString(), source.toString())
              .redirectErrorStream(true)
              .start();
      String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!gcc.waitFor(120, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
        gcc.destroyForcibly();
        throw new IllegalStateException("gcc failed on " + source + ": " + output);
      }
      return Files.readAllBytes(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      delete(dir);
    }
  }

  /** The files of {@code dir}, top level only, as a tar. */
  public static byte[] directory(Path dir) {
    Tars tar = Tars.tar();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        tar.file(
            file.getFileName().toString(),
            Files.readAllBytes(file),
            Files.isExecutable(file) ? 0755 : 0644);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return tar.bytes();
  }

  private static Path temporaryDirectory(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
