/*
 * skyhook for Java: impulse's platform wrapper around one guest function, the Java counterpart of
 * skyhook.py (dev/impulse/image/skyhook.py), which it follows behaviour for behaviour.
 *
 * It loads the guest's jars from SKYHOOK_GUEST_DIR (see GuestLoader: exactly one jar names the
 * function in its manifest, Skyhook-Function: <class>, a public BiFunction<Object, Map<String,
 * Object>, Object> with a public constructor without arguments), binds the port the daemon
 * allocated (SKYHOOK_PORT on SKYHOOK_HOST) and turns every POST with a JSON body into a call of
 * function.apply(request, meta), answering with the JSON result. The request arrives as plain JSON
 * types (Map, List, String, Integer/Long/BigInteger, Double, Boolean, null); meta is a Map with
 * chamber_id, app, version, path (with its query), method and headers.
 *
 *   POST <any path>  -> 200 and the result as JSON (an empty body is the request null)
 *                       400 {"error": "InvalidJSON", ...} when the body is not JSON
 *                       413 when the body is over SKYHOOK_MAX_BODY_BYTES (16 MiB), unread; the
 *                       connection closes
 *                       500 {"error": <class name>, "message": <message>} when the function
 *                       throws (any Throwable; its stack trace goes to stderr) or its result is
 *                       not JSON
 *   GET /healthz     -> 200 {"status": "ok", "timings": {...}} once the guest is loaded (nothing
 *                       is accepted before), with the wrapper's start-up times in epoch seconds
 *   GET, HEAD, PUT, DELETE, PATCH, OPTIONS elsewhere -> 405 (Allow: POST); other methods -> 501
 *
 * A guest that cannot be loaded (no jar, no or several Skyhook-Function, a class that is missing,
 * not a BiFunction, without a public constructor, or that throws while it is initialised or
 * constructed) ends the process with status 3, after writing "guest import failed: <reason>" (at
 * most 4096 characters) to the termination log (SKYHOOK_TERMINATION_LOG), which the daemon reports
 * as the chamber's reason. SIGTERM (and SIGINT) stops accepting, lets requests in flight finish and
 * exits with status 0 (see Stopper). SKYHOOK_PORT unset or not a port is status 2.
 *
 * A stem cell (SKYHOOK_CONTROL set) starts before it has a function: once the wrapper's classes
 * and the HTTP server are loaded, and the JVM is warmed up with a rehearsal of a healthz and a call
 * on a throwaway loopback server (see Warmup, Rehearsal: a cold JVM's first request costs it
 * 60-200 ms of locale data and class loading, which a cell pays while it waits), it connects to the
 * daemon's control socket, says it is ready and waits (see ControlChannel). The daemon mounts the guest at SKYHOOK_GUEST_DIR and sends one line,
 * {"env": {...}, "meta": {...}}; the wrapper hangs up, takes on the chamber's identity, binds,
 * loads the guest and serves. Unlike skyhook.py the cell does not hold its port while it waits: the
 * JDK binds and listens in one step, and a listening cell would let callers queue requests for
 * whichever tenant gets it; it binds once specialised, and callers wait in the backlog until the
 * guest is loaded. A JVM cannot change its own environment, so a Java stem cell cannot give its
 * function the chamber's env: only specs without env of their own suit one (the daemon checks);
 * names other than SKYHOOK_* that arrive anyway are ignored with a warning on stderr.
 *
 * HTTP is the JDK's com.sun.net.httpserver (module jdk.httpserver, in the JRE): keep-alive,
 * Content-Length and chunked bodies, Expect: 100-continue. Differences from skyhook.py, all in what
 * the JDK's server does before the wrapper sees a request: a malformed request line or target,
 * a Content-Length that is not a number, or both Content-Length and chunked are 400 with the
 * server's own small HTML body; a head over 64 KiB or 100 header lines closes the connection
 * unanswered (bounds set through sun.net.httpserver properties, which a -D on the command line
 * overrides; JDK 17.0.15 and 25 honour both); header names reach the function in their usual
 * spelling (Content-Type), not the client's, looked up in any case, and the answer's own come out
 * as the JDK spells them (Content-type), with a Date. A guest's System.exit ends the chamber, as
 * the JVM has no way to refuse it.
 *
 * JSON is the wrapper's own (JsonReader, JsonWriter), strict RFC 8259, nesting at most 512 levels:
 * a library on the wrapper's class path could clash with the guest's own version of it, and would
 * cost start-up time. Standard library only, compiled for Java 17 (chambers run Debian's 21).
 * Start-up is the point of most choices here: no lambdas or method references (the first
 * invokedynamic costs a cold JVM about 15 ms), string concatenation compiled inline for the same
 * reason, no java.management.
 */
package dev.impulse.skyhook;

import com.sun.net.httpserver.HttpServer;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The wrapper's main: settings, the stem cell's wait, the guest, the server, in that order. */
public final class Skyhook {
  static final int USAGE = 2;
  static final int GUEST_IMPORT_FAILED = 3;
  static final int MAX_TERMINATION_MESSAGE = 4096;
  private static final int BACKLOG = 128;

  private Skyhook() {}

  public static void main(String[] args) {
    double runtimeUp = Timings.now();
    Timings timings = new Timings();
    timings.mark("started", Timings.processStart(runtimeUp));
    timings.mark("runtime_up", runtimeUp);
    Settings settings;
    try {
      settings = Settings.from(System.getenv());
    } catch (Settings.UsageError e) {
      System.err.println("skyhook: " + e.getMessage());
      System.exit(USAGE);
      return;
    }
    Requests requests = new Requests();
    Stopper stopper = new Stopper(requests);
    stopper.install();
    HttpServer server = unboundServer(requests);

    GuestLoader.Guest guest;
    if (settings.control().isPresent()) {
      // A cell waits warm: its first request pays for nothing the wait could.
      Warmup.run();
      Rehearsal.run(requests, timings);
      timings.mark("imports_done");
      settings = specialise(settings, timings);
      bind(server, settings);
      timings.mark("listening");
      guest = loadGuest(settings);
      timings.mark("guest_imported");
    } else {
      timings.mark("imports_done");
      guest = loadGuest(settings);
      timings.mark("guest_imported");
      bind(server, settings);
      timings.mark("listening");
    }
    server.createContext("/", new Handler(guest, settings.identity(), timings, settings.maxBody()));
    stopper.serving(server);
    server.start();
  }

  /** The JDK's server, its classes loaded, bound to nothing yet. */
  private static HttpServer unboundServer(Requests requests) {
    defaultProperty("sun.net.httpserver.nodelay", "true"); // head and body leave without waiting
    defaultProperty("sun.net.httpserver.drainAmount", "0"); // a body left unread closes
    defaultProperty("sun.net.httpserver.maxReqHeaders", "100");
    defaultProperty("sun.net.httpserver.maxReqHeaderSize", "65536");
    try {
      HttpServer server = HttpServer.create();
      server.setExecutor(requests);
      return server;
    } catch (IOException e) {
      System.err.println("skyhook: cannot create the HTTP server: " + e);
      Runtime.getRuntime().halt(1);
      throw new AssertionError(e);
    }
  }

  private static void defaultProperty(String name, String value) {
    if (System.getProperty(name) == null) {
      System.setProperty(name, value);
    }
  }

  private static void bind(HttpServer server, Settings settings) {
    try {
      server.bind(new InetSocketAddress(settings.host(), settings.port()), BACKLOG);
    } catch (IOException e) {
      System.err.println(
          "skyhook: cannot listen on " + settings.host() + ":" + settings.port() + ": " + e);
      Runtime.getRuntime().halt(1);
    }
  }

  /** A stem cell: waits for the chamber it becomes, then takes on its identity. */
  private static Settings specialise(Settings settings, Timings timings) {
    ControlChannel.Specialisation chamber;
    try {
      chamber = ControlChannel.specialise(settings.control().get(), timings.snapshot());
    } catch (ControlChannel.ControlFailure e) {
      System.err.println("skyhook: " + e.getMessage());
      Runtime.getRuntime().halt(GUEST_IMPORT_FAILED);
      throw new AssertionError(e);
    } catch (IOException e) {
      System.err.println(
          "skyhook: cannot reach the daemon at " + settings.control().get() + ": " + e);
      Runtime.getRuntime().halt(GUEST_IMPORT_FAILED);
      throw new AssertionError(e);
    }
    List<String> ignored = new ArrayList<>();
    for (Map.Entry<String, String> entry : chamber.env().entrySet()) {
      if (!entry.getKey().startsWith("SKYHOOK_")) {
        ignored.add(entry.getKey());
      }
    }
    if (!ignored.isEmpty()) {
      System.err.println(
          "skyhook: a JVM cannot change its environment; the function does not see "
              + String.join(", ", ignored));
    }
    timings.mark("specialised");
    return settings.specialisedAs(chamber.meta());
  }

  private static GuestLoader.Guest loadGuest(Settings settings) {
    try {
      return GuestLoader.load(new java.io.File(settings.guestDir()));
    } catch (GuestLoader.GuestLoadFailure e) {
      if (e.getCause() != null) {
        e.getCause().printStackTrace();
      }
      throw terminate(settings, "guest import failed: " + e.getMessage());
    } catch (Throwable e) { // an Error the guest's static initialiser threw as it is
      e.printStackTrace();
      throw terminate(
          settings, "guest import failed: " + e.getClass().getName() + ": " + e.getMessage());
    }
  }

  /** Records why the chamber ends where the daemon looks for it, then exits with status 3. */
  static AssertionError terminate(Settings settings, String reason) {
    writeTerminationLog(settings.terminationLog(), reason);
    System.err.println("skyhook: " + reason);
    System.err.flush();
    Runtime.getRuntime().halt(GUEST_IMPORT_FAILED);
    return new AssertionError(reason);
  }

  static void writeTerminationLog(String path, String reason) {
    String message = reason;
    if (message.length() > MAX_TERMINATION_MESSAGE) {
      int end = MAX_TERMINATION_MESSAGE;
      if (Character.isHighSurrogate(message.charAt(end - 1))) {
        end--;
      }
      message = message.substring(0, end);
    }
    try (OutputStream out = new FileOutputStream(path)) {
      out.write(message.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      System.err.println("skyhook: cannot write " + path + ": " + e.getMessage());
    }
  }
}
