package dev.impulse.image;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * What survives a restart of a pulled runtime: {@code <name>.json} in the runtimes directory,
 * written once its pull finished (a pull under way when the daemon stops is forgotten). Its layers
 * are paths in the layer store, which keeps them until no runtime names them.
 */
record PulledRuntimeRecord(
    String name,
    String language,
    String image,
    String interpreter,
    String manifestDigest,
    List<String> layers,
    List<String> env) {
  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
  static final String SUFFIX = ".json";

  static PulledRuntimeRecord of(RuntimeDefinition runtime) {
    RuntimeImage image = runtime.image().orElseThrow();
    return new PulledRuntimeRecord(
        runtime.name(),
        runtime.language().id(),
        image.reference(),
        runtime.interpreter().orElse(null),
        image.manifestDigest(),
        image.layers().stream().map(Path::toString).toList(),
        image.env());
  }

  /** The runtime again; throws {@link IllegalArgumentException} when the record is not valid. */
  RuntimeDefinition toRuntime() {
    Language lang =
        Language.byId(language)
            .orElseThrow(() -> new IllegalArgumentException("unknown language " + language));
    return RuntimeDefinition.pulled(
        name,
        lang,
        Optional.ofNullable(interpreter),
        new RuntimeImage(image, manifestDigest, layers.stream().map(Path::of).toList(), env));
  }

  /**
   * The pulled runtimes recorded in {@code dir}: PULLED, or FAILED when a layer is gone from the
   * layer store; removes what a crash left (half-written records). A record that cannot be read is
   * logged and left out.
   */
  static List<PulledRuntimes.Status> loadAll(Path dir) throws IOException {
    List<PulledRuntimes.Status> loaded = new java.util.ArrayList<>();
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      for (Path file : files.sorted().toList()) {
        String fileName = file.getFileName().toString();
        if (fileName.startsWith(".")) {
          Files.deleteIfExists(file);
        } else if (fileName.endsWith(SUFFIX)) {
          try {
            loaded.add(status(read(file).toRuntime()));
          } catch (IOException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(PulledRuntimeRecord.class)
                .warn("pulled runtime {} is left out: {}", file, e.getMessage());
          }
        }
      }
    }
    return loaded;
  }

  private static PulledRuntimes.Status status(RuntimeDefinition runtime) {
    RuntimeImage image = runtime.image().orElseThrow();
    Optional<Path> missing = image.layers().stream().filter(l -> !Files.isDirectory(l)).findFirst();
    if (missing.isEmpty()) {
      return new PulledRuntimes.Status(
          runtime.name(),
          runtime.language(),
          image.reference(),
          PulledRuntimes.Phase.PULLED,
          "",
          Optional.of(runtime));
    }
    return new PulledRuntimes.Status(
        runtime.name(),
        runtime.language(),
        image.reference(),
        PulledRuntimes.Phase.FAILED,
        "its layers are gone from the layer store ("
            + missing.get()
            + "); PUT /runtimes/"
            + runtime.name()
            + " again to pull them",
        Optional.empty());
  }

  static PulledRuntimeRecord read(Path file) throws IOException {
    try {
      return JSON.readValue(file.toFile(), PulledRuntimeRecord.class);
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code <dir>/<name>.json} durably through a rename: never half written. */
  void write(Path dir) throws IOException {
    Path temporary = dir.resolve("." + name + SUFFIX + ".tmp");
    try (FileChannel out =
        FileChannel.open(
            temporary,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      out.write(java.nio.ByteBuffer.wrap(JSON.writeValueAsBytes(this)));
      out.force(true);
    }
    Files.move(temporary, dir.resolve(name + SUFFIX), StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
