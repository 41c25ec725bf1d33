package dev.impulse;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaAnnotation;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The rules of docs/architecture.md, checked on the compiled main classes. The table "Packages and
 * who may depend on whom" is read from the document itself, so the document is the rule: change the
 * table and this test follows it.
 */
class ArchitectureTest {
  private static final String ROOT = "dev.impulse";
  private static final Path DOC = Path.of("docs/architecture.md");
  private static final Path MAIN_SOURCES = Path.of("src/main/java");
  private static final Path MAIN_CLASSES = Path.of("target/classes");
  private static final String TABLE_HEADING = "## Packages and who may depend on whom";
  private static final int MAX_LINES = 400;

  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
          .importPackages(ROOT);

  /** The table's rows: package name (the part after dev.impulse.) to its "May use" text. */
  private static final Map<String, String> ROWS = readTable();

  /** Package name to the packages it may use, as the document says. */
  private static final Map<String, Set<String>> ALLOWED = allowed();

  @Test
  void theDocumentsTableNamesEveryPackageThereIs() {
    Set<String> existing =
        CLASSES.stream()
            .map(JavaClass::getPackageName)
            .filter(p -> p.startsWith(ROOT + "."))
            .map(ArchitectureTest::shortName)
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(existing).isNotEmpty();
    assertThat(new TreeSet<>(ALLOWED.keySet())).isEqualTo(existing);
    assertThat(CLASSES.stream().filter(c -> c.getPackageName().equals(ROOT)))
        .as("classes directly in %s", ROOT)
        .isEmpty();
  }

  @Test
  void eachPackageUsesOnlyThePackagesTheDocumentAllows() {
    List<String> violations = new ArrayList<>();
    ALLOWED.forEach((pkg, allowed) -> {
      String[] forbidden =
          ALLOWED.keySet().stream()
              .filter(other -> !other.equals(pkg) && !allowed.contains(other))
              .map(other -> ROOT + "." + other + "..")
              .toArray(String[]::new);
      if (forbidden.length == 0) {
        return;
      }
      ArchRule rule =
          noClasses()
              .that()
              .resideInAPackage(ROOT + "." + pkg + "..")
              .should()
              .dependOnClassesThat()
              .resideInAnyPackage(forbidden)
              .because("docs/architecture.md lets " + pkg + " use only " + allowed);
      violations.addAll(violationsOf(rule));
    });
    assertThat(violations).as("dependencies the document does not allow").isEmpty();
  }

  /**
   * ArchUnit does not see every reference: not a cast, nor a type in a pattern {@code switch}. The
   * constant pool of each class file names every class the class refers to, so it is read too.
   */
  @Test
  void eachPackageUsesOnlyThePackagesTheDocumentAllowsEvenInCastsAndTypeSwitches()
      throws IOException {
    Set<String> violations = new TreeSet<>();
    for (Map.Entry<String, Set<String>> uses : classFileReferences().entrySet()) {
      String from = uses.getKey();
      String pkg = shortName(from.substring(0, from.lastIndexOf('.')));
      for (String to : uses.getValue()) {
        String target = shortName(to.substring(0, to.lastIndexOf('.')));
        if (!target.equals(pkg) && !ALLOWED.get(pkg).contains(target)) {
          violations.add(from + " refers to " + to);
        }
      }
    }
    assertThat(violations).as("references the document does not allow").isEmpty();
  }

  @Test
  void packagesDependOnEachOtherWithoutCycles() {
    ArchRule rule = slices().matching(ROOT + ".(*)..").should().beFreeOfCycles();
    assertThat(violationsOf(rule)).as("cycles between packages").isEmpty();
  }

  @Test
  void theDocumentsTableHasNoCycles() {
    Set<String> done = new TreeSet<>();
    for (String pkg : ALLOWED.keySet()) {
      assertThat(cycleThrough(pkg, new ArrayList<>(), done)).as("a cycle in the table").isEmpty();
    }
  }

  @Test
  void noSourceFileIsLongerThan400Lines() throws IOException {
    Map<String, Long> tooLong = new LinkedHashMap<>();
    try (Stream<Path> files = Files.walk(MAIN_SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        long lines = lineCount(file);
        if (lines > MAX_LINES) {
          tooLong.put(MAIN_SOURCES.relativize(file).toString(), lines);
        }
      }
    }
    assertThat(tooLong).as("source files over %d lines", MAX_LINES).isEmpty();
  }

  /**
   * Also read from the class files: a call to a chamber method that returns a runtime type names
   * that type only in the call's descriptor, which ArchUnit does not count as a dependency.
   */
  @Test
  void theApiUsesNoRuntimeTypes() throws IOException {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAPackage(ROOT + ".api..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage(ROOT + ".runtime..")
            .because("the chamber package stands between the API and the container runtime");
    List<String> violations = new ArrayList<>(violationsOf(rule));
    classFileReferences()
        .forEach((from, targets) -> {
          if (from.startsWith(ROOT + ".api.")) {
            targets.stream()
                .filter(to -> to.startsWith(ROOT + ".runtime."))
                .forEach(to -> violations.add(from + " refers to " + to));
          }
        });
    assertThat(violations).as("runtime types the API uses").isEmpty();
  }

  @Test
  void chamberTypesTheApiUsesShowNoJacksonOrRuntimeTypes() {
    List<String> violations = new ArrayList<>();
    for (JavaClass type : chamberTypesUsedByTheApi()) {
      for (JavaClass exposed : publicSignatureTypes(type)) {
        String name = exposed.getName();
        if (name.startsWith("com.fasterxml.") || name.startsWith(ROOT + ".runtime.")) {
          violations.add(type.getSimpleName() + " shows " + name);
        }
      }
    }
    assertThat(violations)
        .as("Jackson or runtime types in the public face of chamber types the API uses")
        .isEmpty();
  }

  @Test
  void everyPackageInfoSaysWhatTheDocumentSays() {
    Map<String, Set<String>> stated = new LinkedHashMap<>();
    for (String pkg : ALLOWED.keySet()) {
      Path info = MAIN_SOURCES.resolve(ROOT.replace('.', '/')).resolve(pkg + "/package-info.java");
      assertThat(info).as("package-info of %s", pkg).exists();
      String text = read(info).replaceAll("(?m)^\\s*\\*\\s?", " ").replaceAll("\\s+", " ");
      Matcher sentence = Pattern.compile("May use:? ([^.]*)\\.").matcher(text);
      assertThat(sentence.find()).as("a 'May use:' sentence in %s", info).isTrue();
      stated.put(pkg, packagesNamed(pkg, sentence.group(1), info.toString()));
    }
    assertThat(stated).isEqualTo(ALLOWED);
  }

  // --- the document's table

  private static Map<String, String> readTable() {
    List<String> lines = read(DOC).lines().toList();
    int start = lines.indexOf(TABLE_HEADING);
    if (start < 0) {
      throw new IllegalStateException(DOC + " has no section '" + TABLE_HEADING + "'");
    }
    Map<String, String> rows = new LinkedHashMap<>();
    for (String line : lines.subList(start + 1, lines.size())) {
      if (line.startsWith("## ")) {
        break;
      }
      String[] cells = line.split("\\|");
      if (line.startsWith("| `") && cells.length >= 4) {
        rows.put(cells[1].strip().replace("`", ""), cells[cells.length - 1].strip());
      }
    }
    if (rows.isEmpty()) {
      throw new IllegalStateException("the table under '" + TABLE_HEADING + "' has no rows");
    }
    return rows;
  }

  private static Map<String, Set<String>> allowed() {
    Map<String, Set<String>> allowed = new LinkedHashMap<>();
    ROWS.forEach((pkg, mayUse) -> allowed.put(pkg, packagesNamed(pkg, mayUse, DOC.toString())));
    return allowed;
  }

  /**
   * The packages a "may use" text names: a list such as {@code chamber, image (its exceptions)},
   * {@code every package but cli}, or none ({@code —}, {@code nothing of impulse}).
   */
  private static Set<String> packagesNamed(String pkg, String mayUse, String where) {
    String text = mayUse.replaceAll("\\([^)]*\\)", "").strip();
    Set<String> named = new TreeSet<>();
    if (text.equals("—") || text.equals("-") || text.equals("nothing of impulse")) {
      return named;
    }
    Matcher allBut = Pattern.compile("every package but (.+)").matcher(text);
    if (allBut.matches()) {
      Set<String> except = packagesNamed(pkg, allBut.group(1), where);
      ROWS.keySet().stream().filter(p -> !p.equals(pkg) && !except.contains(p)).forEach(named::add);
      return named;
    }
    for (String name : text.split(",")) {
      String p = name.strip();
      if (!ROWS.keySet().contains(p)) {
        throw new IllegalStateException(where + ": '" + mayUse + "' names no package '" + p + "'");
      }
      named.add(p);
    }
    return named;
  }

  /** A path of "may use" arrows from {@code pkg} back into {@code path}, if there is one. */
  private static List<String> cycleThrough(String pkg, List<String> path, Set<String> done) {
    if (path.contains(pkg)) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(pkg), path.size()));
      cycle.add(pkg);
      return cycle;
    }
    if (done.contains(pkg)) {
      return List.of();
    }
    path.add(pkg);
    for (String next : ALLOWED.get(pkg)) {
      List<String> cycle = cycleThrough(next, path, done);
      if (!cycle.isEmpty()) {
        return cycle;
      }
    }
    path.removeLast();
    done.add(pkg);
    return List.of();
  }

  // --- helpers

  /**
   * For each main class (binary name), the classes of other impulse packages its constant pool
   * names: in references, descriptors and signatures alike.
   */
  private static Map<String, Set<String>> classFileReferences() throws IOException {
    Pattern reference = Pattern.compile("dev/impulse/[a-z]+/[A-Za-z0-9_$]+");
    Map<String, Set<String>> references = new TreeMap<>();
    try (Stream<Path> files = Files.walk(MAIN_CLASSES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        ClassModel model = ClassFile.of().parse(file);
        String self = model.thisClass().asInternalName();
        String selfPackage = self.substring(0, self.lastIndexOf('/') + 1);
        Set<String> targets = new TreeSet<>();
        for (PoolEntry entry : model.constantPool()) {
          if (entry instanceof Utf8Entry utf8) {
            Matcher m = reference.matcher(utf8.stringValue());
            while (m.find()) {
              if (!m.group().startsWith(selfPackage)) {
                targets.add(m.group().replace('/', '.'));
              }
            }
          }
        }
        references.put(self.replace('/', '.'), targets);
      }
    }
    assertThat(references).as("class files under %s", MAIN_CLASSES).isNotEmpty();
    return references;
  }

  private static Set<JavaClass> chamberTypesUsedByTheApi() {
    Set<JavaClass> used = new TreeSet<>((a, b) -> a.getName().compareTo(b.getName()));
    for (JavaClass api : CLASSES) {
      if (!api.getPackageName().equals(ROOT + ".api")) {
        continue;
      }
      for (Dependency dependency : api.getDirectDependenciesFromSelf()) {
        JavaClass target = dependency.getTargetClass().getBaseComponentType();
        if (target.getPackageName().equals(ROOT + ".chamber")) {
          used.add(target);
        }
      }
    }
    return used;
  }

  /** Every type in the public members, supertypes and annotations of {@code type}. */
  private static Set<JavaClass> publicSignatureTypes(JavaClass type) {
    Set<JavaClass> types = new HashSet<>();
    type.getRawSuperclass().ifPresent(types::add);
    types.addAll(type.getRawInterfaces());
    type.getAnnotations().stream().map(JavaAnnotation::getRawType).forEach(types::add);
    for (JavaMember member : type.getMembers()) {
      if (!member.getModifiers().contains(JavaModifier.PUBLIC)) {
        continue;
      }
      member.getAnnotations().stream().map(JavaAnnotation::getRawType).forEach(types::add);
      if (member instanceof JavaField field) {
        types.addAll(field.getType().getAllInvolvedRawTypes());
      } else if (member instanceof JavaCodeUnit code) {
        types.addAll(code.getReturnType().getAllInvolvedRawTypes());
        code.getParameterTypes().forEach(p -> types.addAll(p.getAllInvolvedRawTypes()));
        types.addAll(code.getExceptionTypes());
      }
    }
    return types.stream().map(JavaClass::getBaseComponentType).collect(Collectors.toSet());
  }

  private static List<String> violationsOf(ArchRule rule) {
    EvaluationResult result = rule.evaluate(CLASSES);
    return result.hasViolation() ? result.getFailureReport().getDetails() : List.of();
  }

  private static String shortName(String pkg) {
    String rest = pkg.substring(ROOT.length() + 1);
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }

  private static long lineCount(Path file) {
    try (Stream<String> lines = Files.lines(file)) {
      return lines.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
