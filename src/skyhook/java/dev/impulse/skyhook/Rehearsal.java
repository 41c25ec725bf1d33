package dev.impulse.skyhook;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;

/**
 * A stem cell's rehearsal before it says it is ready: a healthz and a call, each a real exchange
 * with a throwaway server on an ephemeral loopback port, answered by the wrapper's own handler and
 * a function that echoes. Every class of the request path is then loaded and linked, so the chamber
 * the cell becomes answers its first request as fast as its second. Nothing is kept: the server
 * stops at once, and no guest code exists yet. Never fails; whatever it did not do, the first
 * request does.
 */
final class Rehearsal {
  private static final String CALL_BODY = "{\"rehearsal\":[1,2.5,\"\\u00e9\",true,null]}";

  private Rehearsal() {}

  /** The function of the rehearsal: the request back. */
  private static final class Echo implements BiFunction<Object, Map<String, Object>, Object> {
    @Override
    public Object apply(Object request, Map<String, Object> meta) {
      return request;
    }
  }

  static void run(Executor executor, Timings timings) {
    HttpServer server = null;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
      server.setExecutor(executor);
      GuestLoader.Guest echo = new GuestLoader.Guest(new Echo(), Rehearsal.class.getClassLoader());
      server.createContext("/", new Handler(echo, Map.<String, String>of(), timings, 1024));
      server.start();
      int port = server.getAddress().getPort();
      exchange(port, "GET /healthz HTTP/1.1\r\nHost: skyhook\r\nConnection: close\r\n\r\n");
      exchange(
          port,
          "POST /rehearsal HTTP/1.1\r\nHost: skyhook\r\nConnection: close\r\nContent-Length: "
              + CALL_BODY.length()
              + "\r\n\r\n"
              + CALL_BODY);
    } catch (IOException | RuntimeException e) {
      // only a head start
    } finally {
      if (server != null) {
        server.stop(0);
      }
    }
  }

  private static void exchange(int port, String request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      while (in.read(buffer) >= 0) {
        // read to the end: the server closes once it has answered
      }
    }
  }
}
