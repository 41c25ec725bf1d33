package dev.impulse.skyhook;

import static dev.impulse.skyhook.GuestJars.function;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the wrapper finds, loads and constructs a guest function, and how it says why it cannot. */
class GuestLoaderTest {
  @TempDir Path tmp;
  private Path guest;
  private GuestJars jars;

  @BeforeEach
  void setUp() throws IOException {
    guest = Files.createDirectory(tmp.resolve("guest"));
    jars = new GuestJars(tmp.resolve("scratch"));
  }

  private GuestLoader.Guest load() throws GuestLoader.GuestLoadFailure {
    return GuestLoader.load(guest.toFile());
  }

  @Test
  void aGoodGuestIsConstructedOnceAndCalledWithTheRequestAndMeta() throws Exception {
    jars.jar(
        guest.resolve("app.jar"),
        "guest.Hello",
        Map.of(
            "guest.Hello",
            function(
                "Hello",
                "static int BUILT; { BUILT++; }",
                "return Map.of(\"hello\", request, \"app\", meta.get(\"app\"), \"built\", BUILT);")));
    GuestLoader.Guest loaded = load();
    Object answer = loaded.function().apply("world", Map.of("app", "demo"));
    assertThat(answer).isEqualTo(Map.of("hello", "world", "app", "demo", "built", 1));
    assertThat(loaded.function().getClass().getClassLoader()).isSameAs(loaded.loader());
  }

  @Test
  void theGuestSeesTheJdkButNotTheWrappersClasses() throws Exception {
    jars.jar(
        guest.resolve("app.jar"),
        "guest.Probe",
        Map.of(
            "guest.Probe",
            function(
                "Probe",
                """
                try {
                  Class.forName("dev.impulse.skyhook.Skyhook");
                  return "visible";
                } catch (ClassNotFoundException e) {
                  return "invisible, " + java.util.List.of("jdk", "works").get(1);
                }
                """)));
    GuestLoader.Guest loaded = load();
    assertThat(loaded.function().apply(null, Map.of())).isEqualTo("invisible, works");
    assertThat(loaded.loader().getParent()).isSameAs(ClassLoader.getPlatformClassLoader());
  }

  @Test
  void jarsInLibAreOnTheGuestsClassPath() throws Exception {
    Path lib = Files.createDirectories(guest.resolve("lib"));
    jars.jar(
        lib.resolve("dep.jar"),
        null,
        Map.of(
            "dep.Greeting",
            "package dep; public class Greeting { public static String of(Object"
                + " name) { return \"hi \" + name; } }"));
    jars.jar(
        guest.resolve("app.jar"),
        "guest.UsesDep",
        Map.of("guest.UsesDep", function("UsesDep", "return dep.Greeting.of(request);")),
        lib.resolve("dep.jar"));
    assertThat(load().function().apply("you", Map.of())).isEqualTo("hi you");
    assertThat(GuestLoader.jars(guest.toFile()))
        .extracting(f -> guest.relativize(f.toPath()).toString())
        .containsExactly("app.jar", "lib/dep.jar");
  }

  @Test
  void theContextClassLoaderWhileTheGuestIsConstructedIsTheGuests() throws Exception {
    jars.jar(
        guest.resolve("app.jar"),
        "guest.Context",
        Map.of(
            "guest.Context",
            function(
                "Context",
                "static ClassLoader SEEN = Thread.currentThread().getContextClassLoader();",
                "return SEEN == getClass().getClassLoader();")));
    assertThat(load().function().apply(null, Map.of())).isEqualTo(true);
  }

  @Test
  void aDirectoryWithoutJarsFails() {
    assertThatThrownBy(this::load)
        .isInstanceOf(GuestLoader.GuestLoadFailure.class)
        .hasMessage("no jar in " + guest);
    assertThatThrownBy(() -> GuestLoader.load(tmp.resolve("missing").toFile()))
        .hasMessage("no jar in " + tmp.resolve("missing"));
  }

  @Test
  void jarsWithoutTheManifestAttributeFail() throws Exception {
    jars.jar(guest.resolve("app.jar"), null, Map.of("guest.Hello", function("Hello", "return 1;")));
    assertThatThrownBy(this::load)
        .hasMessage(
            "no jar in " + guest + " names its function in its manifest (Skyhook-Function)");
  }

  @Test
  void twoJarsClaimingTheFunctionFailNamingBoth() throws Exception {
    jars.jar(guest.resolve("a.jar"), "guest.A", Map.of("guest.A", function("A", "return 1;")));
    Files.createDirectories(guest.resolve("lib"));
    jars.jar(guest.resolve("lib/b.jar"), "guest.B", Map.of("guest.B", function("B", "return 2;")));
    assertThatThrownBy(this::load)
        .hasMessage(
            "more than one jar names a function (Skyhook-Function): a.jar (guest.A), lib/b.jar"
                + " (guest.B)");
  }

  @Test
  void aClassThatIsNotABiFunctionFails() throws Exception {
    jars.jar(
        guest.resolve("app.jar"),
        "guest.NotOne",
        Map.of(
            "guest.NotOne",
            "package guest; public class NotOne implements Runnable {"
                + " public void run() {} }"));
    assertThatThrownBy(this::load)
        .hasMessage(
            "guest.NotOne does not implement java.util.function.BiFunction<Object, Map<String,"
                + " Object>, Object>");
  }

  @Test
  void aMissingClassFails() throws Exception {
    jars.jar(
        guest.resolve("app.jar"),
        "guest.Gone",
        Map.of("guest.Here", function("Here", "return 1;")));
    assertThatThrownBy(this::load)
        .hasMessage("the function class guest.Gone is in none of the jars");
  }

  @Test
  void aConstructorThatThrowsFailsWithItsExceptionKeptForItsStackTrace() throws Exception {
    jars.jar(
        guest.resolve("app.jar"),
        "guest.Throws",
        Map.of(
            "guest.Throws",
            function(
                "Throws",
                "public Throws() { throw new IllegalStateException(\"no config\"); }",
                "return 1;")));
    assertThatThrownBy(this::load)
        .hasMessage("java.lang.IllegalStateException: no config")
        .cause()
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aStaticInitialiserThatThrowsFailsWithItsException() throws Exception {
    jars.jar(
        guest.resolve("app.jar"),
        "guest.Static",
        Map.of(
            "guest.Static",
            function(
                "Static",
                "static { if (true) throw new ArithmeticException(\"static\"); }",
                "return 1;")));
    assertThatThrownBy(this::load).hasMessage("java.lang.ArithmeticException: static");
  }

  @Test
  void aClassWithoutAPublicConstructorWithoutArgumentsFails() throws Exception {
    jars.jar(
        guest.resolve("app.jar"),
        "guest.Args",
        Map.of("guest.Args", function("Args", "public Args(int x) {}", "return 1;")));
    assertThatThrownBy(this::load)
        .hasMessage("guest.Args has no public constructor without arguments");
  }

  @Test
  void aClassThatIsNotPublicFails() throws Exception {
    jars.jar(
        guest.resolve("app.jar"),
        "guest.Hidden",
        Map.of("guest.Hidden", function("Hidden", "return 1;").replace("public class", "class")));
    assertThatThrownBy(this::load).hasMessage("guest.Hidden is not a public concrete class");
  }

  @Test
  void aFileThatIsNotAJarFails() throws Exception {
    Files.writeString(guest.resolve("broken.jar"), "not a zip");
    assertThatThrownBy(this::load).hasMessageStartingWith("broken.jar is not a readable jar: ");
  }

  @Test
  void jarsAreTakenInNameOrderTopLevelFirst() throws Exception {
    Map<String, String> none = new HashMap<>();
    none.put("x.X", "package x; public class X {}");
    for (String name : List.of("c.jar", "a.jar", "lib/b.jar", "b.jar")) {
      Files.createDirectories(guest.resolve(name).getParent());
      jars.jar(guest.resolve(name), null, none);
    }
    Files.writeString(guest.resolve("notes.txt"), "not a jar");
    assertThat(GuestLoader.jars(guest.toFile()))
        .extracting(f -> guest.relativize(f.toPath()).toString())
        .containsExactly("a.jar", "b.jar", "c.jar", "lib/b.jar");
  }
}
