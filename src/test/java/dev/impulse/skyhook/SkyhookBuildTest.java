package dev.impulse.skyhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.InvokeDynamicEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The wrapper as built: for Java 17, of the JDK alone, without the invokedynamic a cold JVM pays
 * for, and packed where the daemon looks for it.
 */
class SkyhookBuildTest {
  private static final Path CLASSES = Path.of("target/skyhook-classes");
  private static final Path JAR = Path.of("target/classes/dev/impulse/image/skyhook.jar");
  private static final List<String> JDK =
      List.of("java/", "javax/", "com/sun/net/httpserver/", "sun/misc/", "dev/impulse/skyhook/");

  private static List<ClassModel> classes() throws IOException {
    try (Stream<Path> files = Files.walk(CLASSES)) {
      List<Path> found = files.filter(f -> f.toString().endsWith(".class")).toList();
      assertThat(found).as("class files under %s", CLASSES).isNotEmpty();
      return found.stream().map(SkyhookBuildTest::parse).toList();
    }
  }

  private static ClassModel parse(Path file) {
    try {
      return ClassFile.of().parse(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void theWrapperIsBuiltForJava17() throws IOException {
    for (ClassModel model : classes()) {
      assertThat(model.majorVersion()).as(model.thisClass().asInternalName()).isEqualTo(61);
    }
  }

  @Test
  void theWrapperUsesTheJdkAlone() throws IOException {
    Set<String> foreign = new TreeSet<>();
    for (ClassModel model : classes()) {
      for (PoolEntry entry : model.constantPool()) {
        if (entry instanceof ClassEntry type) {
          String name = type.asInternalName().replaceFirst("^\\[+L?", "");
          if (name.length() > 1 && JDK.stream().noneMatch(name::startsWith)) {
            foreign.add(model.thisClass().asInternalName() + " uses " + name);
          }
        }
      }
    }
    assertThat(foreign).isEmpty();
  }

  /** Records' generated methods are the one use of invokedynamic left, run only when called. */
  @Test
  void theWrapperHasNoLambdasNorIndyStringConcatenation() throws IOException {
    Set<String> indy = new TreeSet<>();
    for (ClassModel model : classes()) {
      for (PoolEntry entry : model.constantPool()) {
        if (entry instanceof InvokeDynamicEntry call) {
          String bootstrap =
              call.bootstrap().bootstrapMethod().reference().owner().asInternalName();
          if (!bootstrap.equals("java/lang/runtime/ObjectMethods")) {
            indy.add(model.thisClass().asInternalName() + ": " + bootstrap);
          }
        }
      }
    }
    assertThat(indy).isEmpty();
  }

  @Test
  void theJarIsADaemonResourceThatRunsTheWrapper() throws IOException {
    try (JarFile jar = new JarFile(JAR.toFile())) {
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo(Skyhook.class.getName());
      assertThat(jar.getEntry("dev/impulse/skyhook/Skyhook.class")).isNotNull();
    }
  }
}
