package dev.impulse.image;

import static dev.impulse.testing.Tars.tar;
import static org.assertj.core.api.Assertions.assertThat;

import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import dev.impulse.testing.Http;
import dev.impulse.testing.Tars;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Archives made to reach the host's files, or to fill its disk, uploaded as a hostile tenant would:
 * refused, and nothing of them is kept.
 */
class HostileArchiveIT {
  static DaemonFixture impulse;

  @BeforeAll
  static void start() {
    impulse =
        DaemonFixture.start(
            DaemonFixture.Options.defaults().withPortCount(2).withConfig(b -> b.maxUploads(2)));
  }

  @AfterAll
  static void stop() {
    impulse.close();
  }

  @Test
  void theIncidentsArchiveCannotLinkTheHostsShadowFile() throws IOException {
    Path shadow = Path.of("/etc/shadow");
    Object links = Files.getAttribute(shadow, "unix:nlink");
    byte[] archive =
        tar()
            .file("main.py", "def skyhook(request, meta):\n    return open('canary').read()\n")
            .symlink("s", ".")
            .symlink("u", "s/s/s/s/s/s/s/s/s/s/s/s/../../../../../../../../../../../..")
            .hardlink("canary", "u/etc/shadow")
            .file("u", "plain")
            .file("s", "plain")
            .bytes();
    Http.Response refused = impulse.put("/functions/thief/1", archive);
    assertThat(refused.status()).as(refused.body()).isEqualTo(400);
    assertThat(refused.json().get("detail").asText())
        .contains("'canary'")
        .contains("symbolic link u");
    assertThat(Files.getAttribute(shadow, "unix:nlink")).isEqualTo(links);
    assertThat(impulse.get("/functions/thief/1").status()).isEqualTo(404);
    assertThat(entries(impulse.dataDir().resolve("functions"))).isEmpty();
    assertThat(entries(impulse.dataDir().resolve("tmp"))).isEmpty();
  }

  @Test
  void theSameThroughADeeperDirectoryOrAnAbsoluteNameIsRefused() {
    List<byte[]> variants =
        List.of(
            tar()
                .file("main.py", "def skyhook(r, m):\n    return 1\n")
                .dir("a/b")
                .symlink("a/b/up", "../../../../../../../../../..")
                .hardlink("a/canary", "a/b/up/etc/shadow")
                .bytes(),
            tar()
                .file("main.py", "def skyhook(r, m):\n    return 1\n")
                .hardlink("canary", "/etc/shadow")
                .bytes(),
            tar()
                .file("main.py", "def skyhook(r, m):\n    return 1\n")
                .symlink("etc", "/etc")
                .hardlink("canary", "etc/shadow")
                .bytes());
    for (byte[] archive : variants) {
      Http.Response refused = impulse.put("/functions/thief/2", archive);
      assertThat(refused.status()).as(refused.body()).isEqualTo(400);
      assertThat(refused.json().get("type").asText()).endsWith(":invalid-archive");
    }
    assertThat(impulse.get("/functions").json()).isEmpty();
  }

  @Test
  void aHugeLongNameOrPaxHeaderIsRefusedAndTheDaemonLivesOn() throws IOException {
    // As found: 285 KB of tar.gz holding one 300 MB header entry, then main.py.
    for (byte type :
        new byte[] {TarConstants.LF_GNUTYPE_LONGNAME, TarConstants.LF_PAX_EXTENDED_HEADER_LC}) {
      byte[] archive = Tars.hugeHeaderGzipped(type, 300_000_000L);
      assertThat(archive.length).isLessThan(400 * 1024);
      Http.Response refused = impulse.put("/functions/header/1", archive);
      // Only the start of an answer is shown: one naming a 300 MB file is too big to report.
      assertThat(refused.status()).as(start(refused.body())).isEqualTo(400);
      assertThat(refused.contentType()).startsWith("application/problem+json");
      assertThat(start(refused.json().get("detail").asText()))
          .contains("an archive header of type '" + (char) type + "'")
          .contains("is over 64 KiB");
    }
    assertThat(impulse.get("/healthz").status()).isEqualTo(200);
    assertThat(impulse.get("/functions/header/1").status()).isEqualTo(404);
    assertThat(entries(impulse.dataDir().resolve("tmp"))).isEmpty();
  }

  @Test
  void compressionBombsAreRefusedAndUploadsBeyondTheLimitWaitForNothing() throws Exception {
    byte[] bomb = gzipBomb(200L << 20); // past the 128 MiB an archive of 16 MiB may unpack to
    Http.Response exploded = impulse.put("/functions/bomb/1", bomb);
    assertThat(exploded.status()).as(exploded.body()).isEqualTo(400);
    assertThat(exploded.json().get("detail").asText()).contains("unpacks to more than");

    // Two uploads in flight (half their body sent) take both places...
    byte[] good = Functions.sample();
    List<Socket> slow = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        Socket socket = new Socket("127.0.0.1", impulse.uri("/").getPort());
        socket.setSoTimeout(60_000);
        String head =
            "PUT /functions/slow/"
                + i
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + impulse.token()
                + "\r\nContent-Type: application/x-tar\r\nContent-Length: "
                + good.length
                + "\r\nConnection: close\r\n\r\n";
        socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().write(good, 0, good.length / 2);
        socket.getOutputStream().flush();
        slow.add(socket);
      }
      awaitEntries(impulse.dataDir().resolve("tmp"), 2);
      // ...so twelve more, bombs or not, are refused at once and stage nothing. They ask to
      // continue first, as the command line does: a refused upload's body is not read, and one
      // sent anyway could draw a reset that loses the 429.
      for (int i = 0; i < 12; i++) {
        Http fresh = new Http();
        fresh.authorize(impulse.uri("/"), impulse.token());
        Http.Response busy =
            fresh.sendExpectingContinue(
                "PUT", impulse.uri("/functions/bomb/" + i), bomb, "application/x-tar");
        assertThat(busy.status()).as(busy.body()).isEqualTo(429);
        assertThat(busy.header("Retry-After")).isNotNull();
      }
      assertThat(entries(impulse.dataDir().resolve("tmp"))).hasSize(2);
      for (Socket socket : slow) {
        socket.getOutputStream().write(good, good.length / 2, good.length - good.length / 2);
        socket.getOutputStream().flush();
        String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(answer).startsWith("HTTP/1.1 201");
      }
    } finally {
      for (Socket socket : slow) {
        socket.close();
      }
    }
    assertThat(entries(impulse.dataDir().resolve("tmp"))).isEmpty();
    assertThat(impulse.get("/functions").json()).hasSize(2);
    impulse.delete("/functions/slow/0");
    impulse.delete("/functions/slow/1");
  }

  private static String start(String text) {
    return text.length() <= 500 ? text : text.substring(0, 500) + "…";
  }

  private static void awaitEntries(Path dir, int count) throws Exception {
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
    while (entries(dir).size() < count) {
      assertThat(System.nanoTime()).as(count + " uploads staged in " + dir).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /** A tar.gz of one file of {@code size} zero bytes: small to send, large to unpack. */
  private static byte[] gzipBomb(long size) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(new GZIPOutputStream(bytes, 1 << 16))) {
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      TarArchiveEntry entry = new TarArchiveEntry("main.py");
      entry.setSize(size);
      tar.putArchiveEntry(entry);
      byte[] zeros = new byte[1 << 20];
      for (long written = 0; written < size; written += zeros.length) {
        tar.write(zeros);
      }
      tar.closeArchiveEntry();
    }
    return bytes.toByteArray();
  }

  private static List<Path> entries(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(dir)) {
      return list.toList();
    }
  }
}
