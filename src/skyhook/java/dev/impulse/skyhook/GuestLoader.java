package dev.impulse.skyhook;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Loads the guest function from its directory: every {@code *.jar} at the top (and in {@code lib/},
 * if there is one) goes on its class path, in name order; exactly one of them names the function in
 * its manifest ({@code Skyhook-Function: com.example.Hello}), a public class with a public
 * constructor without arguments that implements {@code BiFunction<Object, Map<String, Object>,
 * Object>}. The class is initialised and constructed once, here.
 *
 * <p>The guest's class loader has the platform class loader as its parent: the guest sees the JDK
 * and its own jars, never the wrapper's classes, so its libraries cannot clash with anything of the
 * wrapper's. While the guest's code runs here, that loader is the thread's context class loader.
 */
final class GuestLoader {
  static final String ATTRIBUTE = "Skyhook-Function";

  private GuestLoader() {}

  /** A guest that cannot be loaded: the message is the reason the daemon shows. */
  static final class GuestLoadFailure extends Exception {
    private static final long serialVersionUID = 1L;

    GuestLoadFailure(String reason) {
      super(reason);
    }

    GuestLoadFailure(String reason, Throwable cause) {
      super(reason, cause);
    }
  }

  /** The loaded function and the class loader its code runs under. */
  record Guest(BiFunction<Object, Map<String, Object>, Object> function, ClassLoader loader) {}

  /** Loads the guest under {@code dir}. */
  static Guest load(File dir) throws GuestLoadFailure {
    List<File> jars = jars(dir);
    if (jars.isEmpty()) {
      throw new GuestLoadFailure("no jar in " + dir);
    }
    String className = functionClass(dir, jars);
    URLClassLoader loader =
        new URLClassLoader("guest", urls(jars), ClassLoader.getPlatformClassLoader());
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(loader);
    try {
      return new Guest(instantiate(loader, className), loader);
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  /** The guest's jars: the top level's, then lib/'s, each in name order. */
  static List<File> jars(File dir) {
    List<File> jars = new ArrayList<>();
    addJars(dir, jars);
    addJars(new File(dir, "lib"), jars);
    return jars;
  }

  private static void addJars(File dir, List<File> jars) {
    File[] files = dir.listFiles();
    if (files == null) {
      return;
    }
    Arrays.sort(files);
    for (File file : files) {
      if (file.getName().endsWith(".jar") && file.isFile()) {
        jars.add(file);
      }
    }
  }

  private static String functionClass(File dir, List<File> jars) throws GuestLoadFailure {
    List<String> claims = new ArrayList<>();
    String className = null;
    for (File jar : jars) {
      String named = attribute(dir, jar);
      if (named != null) {
        className = named;
        claims.add(relative(dir, jar) + " (" + named + ")");
      }
    }
    if (claims.isEmpty()) {
      throw new GuestLoadFailure(
          "no jar in " + dir + " names its function in its manifest (" + ATTRIBUTE + ")");
    }
    if (claims.size() > 1) {
      throw new GuestLoadFailure(
          "more than one jar names a function (" + ATTRIBUTE + "): " + String.join(", ", claims));
    }
    return className;
  }

  private static String attribute(File dir, File jar) throws GuestLoadFailure {
    try (JarFile file = new JarFile(jar)) {
      Manifest manifest = file.getManifest();
      String value = manifest == null ? null : manifest.getMainAttributes().getValue(ATTRIBUTE);
      return value == null || value.isBlank() ? null : value.strip();
    } catch (IOException | SecurityException e) {
      throw new GuestLoadFailure(
          relative(dir, jar) + " is not a readable jar: " + e.getMessage(), e);
    }
  }

  private static BiFunction<Object, Map<String, Object>, Object> instantiate(
      ClassLoader loader, String className) throws GuestLoadFailure {
    Class<?> type;
    try {
      type = Class.forName(className, true, loader);
    } catch (ClassNotFoundException e) {
      throw new GuestLoadFailure("the function class " + className + " is in none of the jars");
    } catch (LinkageError e) { // ExceptionInInitializerError, NoClassDefFoundError, ...
      throw failure(e instanceof ExceptionInInitializerError ? e.getCause() : e);
    }
    if (!BiFunction.class.isAssignableFrom(type)) {
      throw new GuestLoadFailure(
          className
              + " does not implement java.util.function.BiFunction<Object, Map<String,"
              + " Object>, Object>");
    }
    int modifiers = type.getModifiers();
    if (!Modifier.isPublic(modifiers) || Modifier.isAbstract(modifiers)) {
      throw new GuestLoadFailure(className + " is not a public concrete class");
    }
    Constructor<?> constructor;
    try {
      constructor = type.getConstructor();
    } catch (NoSuchMethodException e) {
      throw new GuestLoadFailure(className + " has no public constructor without arguments");
    }
    try {
      @SuppressWarnings("unchecked")
      BiFunction<Object, Map<String, Object>, Object> function =
          (BiFunction<Object, Map<String, Object>, Object>) constructor.newInstance();
      return function;
    } catch (InvocationTargetException e) {
      throw failure(e.getCause());
    } catch (ReflectiveOperationException | LinkageError e) {
      throw failure(e);
    }
  }

  /** What the guest's own code threw: named as the daemon shows it, with its stack trace kept. */
  private static GuestLoadFailure failure(Throwable thrown) {
    if (thrown == null) {
      return new GuestLoadFailure("the function class failed to initialise");
    }
    return new GuestLoadFailure(thrown.getClass().getName() + ": " + thrown.getMessage(), thrown);
  }

  private static URL[] urls(List<File> jars) throws GuestLoadFailure {
    URL[] urls = new URL[jars.size()];
    for (int i = 0; i < urls.length; i++) {
      try {
        urls[i] = jars.get(i).toURI().toURL();
      } catch (MalformedURLException e) {
        throw new GuestLoadFailure("cannot name " + jars.get(i) + " as a URL: " + e.getMessage());
      }
    }
    return urls;
  }

  private static String relative(File dir, File jar) {
    return jar.getParentFile().equals(dir) ? jar.getName() : "lib/" + jar.getName();
  }
}
