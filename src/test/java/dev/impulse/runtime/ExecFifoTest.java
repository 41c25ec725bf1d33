package dev.impulse.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.linux.CommandResult;
import dev.impulse.linux.CommandRunner;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The start without runc start, on a real FIFO; runc itself is only recorded. */
@Timeout(60)
class ExecFifoTest {
  private static final String ID = "app-1-abcde";

  @TempDir Path root;
  private final List<List<String>> runcCommands = new ArrayList<>();
  private ExecFifo starter;
  private Path fifo;
  private Path pidFile;

  @BeforeEach
  void setUp() throws IOException {
    CommandRunner runner =
        (command, timeout) -> {
          runcCommands.add(command);
          return new CommandResult(command, 0, "", "");
        };
    starter = new ExecFifo(new Runc(Path.of("/usr/sbin/runc"), root, runner, new ObjectMapper()));
    Files.createDirectories(root.resolve(ID));
    fifo = root.resolve(ID).resolve(ExecFifo.NAME);
    pidFile = root.resolve("container.pid");
  }

  @Test
  void readsTheFirstProcesssByteAndRemovesTheFifoWithoutRunc() throws Exception {
    mkfifo();
    writePid(ProcessHandle.current().pid()); // a live first process
    CompletableFuture<Void> init = CompletableFuture.runAsync(this::writeTheStartByte);
    starter.start(ID, pidFile);
    assertThat(fifo).doesNotExist();
    assertThat(runcCommands).isEmpty();
    assertThat(init).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void aFirstProcessThatEndedBeforeItsStartFailsTheStartAndSaysSo() throws Exception {
    mkfifo();
    Process ended = new ProcessBuilder("true").start();
    ended.waitFor();
    writePid(ended.pid());
    assertThatThrownBy(() -> starter.start(ID, pidFile))
        .isInstanceOf(ContainerStartException.class)
        .hasMessage(
            "starting container "
                + ID
                + " failed: its first process ended before it was started; the chamber's log may"
                + " say why");
    assertThat(runcCommands).isEmpty();
  }

  @Test
  void withoutAFifoRuncStartsIt() {
    starter.start(ID, pidFile);
    assertThat(runcCommands)
        .containsExactly(List.of("/usr/sbin/runc", "--root=" + root, "start", ID));
  }

  @Test
  void aMissingPidIsAStartFailure() throws Exception {
    mkfifo();
    assertThatThrownBy(() -> starter.start(ID, pidFile))
        .isInstanceOf(ContainerStartException.class)
        .hasMessageContaining("conmon left no pid");
  }

  private void mkfifo() throws Exception {
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
  }

  private void writePid(long pid) throws IOException {
    Files.writeString(pidFile, Long.toString(pid));
  }

  /** What runc init does: open its end (waiting for a reader), write "0", close it at exec. */
  private void writeTheStartByte() {
    try (OutputStream out = Files.newOutputStream(fifo)) {
      out.write('0');
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
