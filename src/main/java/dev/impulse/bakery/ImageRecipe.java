package dev.impulse.bakery;

import dev.impulse.image.FunctionRef;
import dev.impulse.image.FunctionStore;
import dev.impulse.image.Language;
import dev.impulse.image.RuntimeDefinition;
import dev.impulse.oci.build.RunConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a baked image's config says, so that an OCI engine runs it as impulse would: the language's
 * wrapper as entrypoint, the wrapper's settings in the environment ({@code SKYHOOK_PORT=8080} on
 * every address), an unprivileged user (nobody: a function never needs root, and the image's files
 * are readable by all), and labels naming the function, its runtime and language, which a node
 * starting a chamber from the image reads. Pure.
 */
final class ImageRecipe {
  static final String PORT = "8080";
  static final String LABEL_PREFIX = "dev.impulse.";
  static final String APP = LABEL_PREFIX + "app";
  static final String VERSION = LABEL_PREFIX + "version";
  static final String RUNTIME = LABEL_PREFIX + "runtime";
  static final String LANGUAGE = LABEL_PREFIX + "language";
  static final String INTERPRETER = LABEL_PREFIX + "interpreter";
  static final String NOBODY = "65534:65534";

  private ImageRecipe() {}

  static RunConfig runConfig(RuntimeDefinition runtime, FunctionRef ref) {
    Map<String, String> base = new java.util.LinkedHashMap<>();
    base.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    base.put("LANG", "C.UTF-8");
    base.putAll(runtime.environment()); // a pulled runtime's image: its PATH finds its interpreter
    List<String> env = new ArrayList<>();
    base.forEach((name, value) -> env.add(name + "=" + value));
    env.add("HOME=/tmp");
    runtime.language().environment().forEach((name, value) -> env.add(name + "=" + value));
    env.add("SKYHOOK_PORT=" + PORT);
    env.add("SKYHOOK_HOST=0.0.0.0");
    env.add("SKYHOOK_GUEST_DIR=" + FunctionStore.GUEST_DIR);
    env.add("SKYHOOK_TERMINATION_LOG=/tmp/termination-log");
    env.add("SKYHOOK_APP=" + ref.app());
    env.add("SKYHOOK_VERSION=" + ref.version());
    env.add("SKYHOOK_CHAMBER_ID=" + ref.app() + "-" + ref.version());
    RunConfig config =
        RunConfig.EMPTY
            .withEntrypoint(runtime.command().toArray(String[]::new))
            .withEnv(env.toArray(String[]::new))
            .withWorkingDir(FunctionStore.GUEST_DIR)
            .withUser(NOBODY)
            .withExposedPorts(PORT + "/tcp");
    Map<String, String> labels =
        Map.of(
            APP,
            ref.app(),
            VERSION,
            ref.version(),
            RUNTIME,
            runtime.name(),
            LANGUAGE,
            runtime.language().id(),
            "org.opencontainers.image.title",
            ref.app() + " " + ref.version());
    for (var label : labels.entrySet()) {
      config = config.withLabel(label.getKey(), label.getValue());
    }
    if (runtime.language() != Language.BINARY) {
      config = config.withLabel(INTERPRETER, runtime.interpreter().orElseThrow());
    }
    return config;
  }
}
