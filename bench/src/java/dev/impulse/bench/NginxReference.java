package dev.impulse.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * nginx as a reverse proxy in front of one chamber, for the proxy scenario's reference: what the
 * field's own proxy, one event loop in C with kept-alive upstream connections, costs on this
 * machine for the same calls. One process ({@code master_process off}), everything in its own
 * directory; closing it stops it.
 */
final class NginxReference implements AutoCloseable {
  private final Process process;
  private final int port;
  private final String app;

  private NginxReference(Process process, int port, String app) {
    this.process = process;
    this.port = port;
    this.app = app;
  }

  /** Starts nginx forwarding {@code /app/...} to {@code upstream} and waits until it listens. */
  static NginxReference start(BenchEnv env, Path dir, String app, InetSocketAddress upstream)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    String d = dir.toAbsolutePath().toString();
    Files.writeString(
        dir.resolve("nginx.conf"),
        String.join(
            "\n",
            "daemon off;",
            "master_process off;",
            "worker_processes 1;",
            "pid " + d + "/nginx.pid;",
            "error_log " + d + "/error.log warn;",
            "events { worker_connections 256; }",
            "http {",
            "  access_log off;",
            "  client_body_temp_path " + d + "/body;",
            "  proxy_temp_path " + d + "/proxy;",
            "  fastcgi_temp_path " + d + "/fastcgi;",
            "  uwsgi_temp_path " + d + "/uwsgi;",
            "  scgi_temp_path " + d + "/scgi;",
            "  upstream chamber {",
            "    server " + upstream.getAddress().getHostAddress() + ":" + upstream.getPort() + ";",
            "    keepalive 16;",
            "  }",
            "  server {",
            "    listen 127.0.0.1:" + port + ";",
            "    location /" + app + "/ {",
            "      proxy_pass http://chamber/;",
            "      proxy_http_version 1.1;",
            "      proxy_set_header Connection \"\";",
            "      proxy_set_header X-Forwarded-For $remote_addr;",
            "      proxy_set_header X-Request-Id $request_id;",
            "    }",
            "  }",
            "}",
            ""));
    Process p =
        env.start(
            new ProcessBuilder("nginx", "-p", d, "-e", d + "/error.log", "-c", d + "/nginx.conf")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.log").toFile()));
    NginxReference nginx = new NginxReference(p, port, app);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!nginx.listens()) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        nginx.close();
        throw new IllegalStateException(
            "nginx did not start: " + Files.readString(dir.resolve("out.log")).strip());
      }
      Thread.sleep(10);
    }
    return nginx;
  }

  private boolean listens() {
    try (Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port + "/" + app + "/");
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted stopping nginx", e);
    }
  }
}
