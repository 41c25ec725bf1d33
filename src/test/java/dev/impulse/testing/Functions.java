package dev.impulse.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Guest functions used by the integration tests. */
public final class Functions {
  private Functions() {}

  /** The sample function from examples/sampleapp, as a tar. */
  public static byte[] sample() {
    try {
      return Tars.function(Files.readString(Path.of("examples/sampleapp/main.py")));
    } catch (IOException e) {
      throw new UncheckedIOException("examples/sampleapp/main.py is missing", e);
    }
  }

  /** Exits the whole chamber with the code given as {"exit": N}, shortly after answering. */
  public static byte[] crash() {
    return Tars.function(
        """
        import os, threading, time

        def skyhook(request, meta):
            code = int(request.get("exit", 7))
            print("exiting with %d" % code, flush=True)
            threading.Thread(target=lambda: (time.sleep(0.05), os._exit(code))).start()
            return {"exiting": code}
        """);
  }

  /** Fails to import. */
  public static byte[] badImport() {
    return Tars.function("import no_such_module\n\ndef skyhook(request, meta):\n    return 1\n");
  }

  /** Raises on every call. */
  public static byte[] raising() {
    return Tars.function(
        "def skyhook(request, meta):\n    raise ValueError('bad input: %r' % (request,))\n");
  }

  /** Takes {@code seconds} to import. */
  public static byte[] slowImport(int seconds) {
    return Tars.function(
        "import time\ntime.sleep(" + seconds + ")\n\ndef skyhook(request, meta):\n    return 1\n");
  }

  /** Never answers a call with {"hang": true}: a stop must wait out the grace period. */
  public static byte[] hanging() {
    return Tars.function(
        """
        import time

        def skyhook(request, meta):
            if request.get("hang"):
                time.sleep(3600)
            return {"ok": True}
        """);
  }

  /**
   * A call with {"block": true} never returns: it prints "call N in flight", waits until the
   * wrapper stops listening on the chamber's port (its SIGTERM handler closes the socket and then
   * waits for requests in flight), prints "call N in flight after the stop", and waits on. Only
   * SIGKILL ends the chamber then; the call would print "call N finished" if it ever returned.
   */
  public static byte[] blockedInACall() {
    return Tars.function(
        """
        import os, threading, time

        PORT = int(os.environ["SKYHOOK_PORT"])
        calls = 0

        def listening():
            # /proc/net/tcp lists the sockets of the chamber's network, the wrapper's among them.
            suffix = ":%04X" % PORT
            with open("/proc/net/tcp") as table:
                for line in table.readlines()[1:]:
                    fields = line.split()
                    if fields[1].endswith(suffix) and fields[3] == "0A":
                        return True
            return False

        def skyhook(request, meta):
            global calls
            calls += 1
            call = calls
            if not request.get("block"):
                return {"ok": True}
            print("call %d in flight" % call, flush=True)
            while listening():
                time.sleep(0.01)
            print("call %d in flight after the stop" % call, flush=True)
            threading.Event().wait()
            print("call %d finished" % call, flush=True)
            return {"finished": call}
        """);
  }

  /**
   * Its import connects to {@code gatePort} on the loopback, sends the chamber's id and a newline,
   * and waits there until the other end writes a byte or closes: a start held at a known point,
   * with its container running and its wrapper not yet listening. Answers calls with its chamber's
   * id.
   */
  public static byte[] importHeldAtGate(String gateHost, int gatePort) {
    return Tars.function(
        """
        import os, socket

        with socket.create_connection(("%s", %d), timeout=10) as gate:
            gate.settimeout(None)
            gate.sendall(os.environ["SKYHOOK_CHAMBER_ID"].encode() + b"\\n")
            gate.recv(1)

        def skyhook(request, meta):
            return {"chamber": meta["chamber_id"]}
        """
            .formatted(gateHost, gatePort));
  }

  /** Allocates {"mb": N} megabytes on a call, and keeps them. */
  public static byte[] memoryHog() {
    return Tars.function(
        """
        kept = []

        def skyhook(request, meta):
            for _ in range(int(request.get("mb", 10))):
                kept.append(bytearray(1024 * 1024))
            return {"held_mb": len(kept)}
        """);
  }

  /** Forks without end on a call with {"bomb": true}; answers other calls. */
  public static byte[] forkBomb() {
    return Tars.function(
        """
        import os, threading

        def bomb():
            while True:
                try:
                    os.fork()
                except OSError:
                    pass

        def skyhook(request, meta):
            if request.get("bomb"):
                threading.Thread(target=bomb, daemon=True).start()
                return {"bombing": True}
            return {"ok": True}
        """);
  }

  /**
   * A hostile tenant's probe: tries, from inside its chamber, what a function must not be able to
   * do, and reports for each what happened ("ok" or the error's name). A call with {"fillBytes": N}
   * also writes N bytes to /tmp/fill and reports how many it could ({@code filledBytes}); a call
   * with {"disk": true} reports on its home and /tmp and, with {"allocateMb": N}, whether it can
   * still take N MiB of memory for itself.
   */
  public static byte[] privilegeProbe() {
    return Tars.function(
        """
        import ctypes, errno, os, socket

        libc = ctypes.CDLL(None, use_errno=True)

        def attempt(action):
            try:
                result = action()
                return "ok" if result is None or result is True else str(result)
            except OSError as e:
                return errno.errorcode.get(e.errno, str(e.errno))
            except Exception as e:
                return type(e).__name__

        def syscall(number, *args):
            def run():
                if libc.syscall(number, *args) == -1:
                    code = ctypes.get_errno()
                    raise OSError(code, os.strerror(code))
            return run

        written = {}

        def write(path, size):
            def run():
                written[path] = 0
                with open(path, "wb", buffering=0) as f:
                    chunk = b"x" * 65536
                    while written[path] < size:
                        written[path] += f.write(chunk[: size - written[path]])
            return run

        def allocate(mb):
            def run():
                held = bytearray(mb << 20)  # zeroed by CPython: every page is touched
                del held
            return run

        def disk(request):
            home = os.environ["HOME"]
            tmp = os.statvfs("/tmp")
            return {
                "home": home,
                "homeOnTmp": os.stat(home).st_dev == os.stat("/tmp").st_dev,
                "tmpBytes": tmp.f_blocks * tmp.f_frsize,
                "tmpFreeBytes": tmp.f_bavail * tmp.f_frsize,
                "writeHome": attempt(write(os.path.join(home, "more"), 65536)),
                "allocate": attempt(allocate(int(request.get("allocateMb", 0)))),
            }

        def status(field):
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return line.split(":", 1)[1].strip()

        def read(path):
            def run():
                with open(path, "rb") as f:
                    return "ok:%d bytes" % len(f.read(4096))
            return run

        def bind(port):
            def run():
                s = socket.socket()
                try:
                    s.bind(("127.0.0.1", port))
                finally:
                    s.close()
            return run

        held = []

        def hoard_inotify():
            # takes every inotify instance its user may have, and keeps them
            while len(held) < 1024:
                fd = libc.inotify_init()
                if fd < 0:
                    break
                held.append(fd)
            return len(held)

        def skyhook(request, meta):
            if request.get("disk"):
                return disk(request)
            CLONE_NEWUSER = 0x10000000
            return {
                "uid": os.getuid(),
                "gid": os.getgid(),
                "capEff": status("CapEff"),
                "capBnd": status("CapBnd"),
                "capPrm": status("CapPrm"),
                "noNewPrivs": status("NoNewPrivs"),
                "seccomp": status("Seccomp"),
                "writeRoot": attempt(write("/planted", 65536)),
                "writeTmp": attempt(write("/tmp/scratch", 65536)),
                "fillTmp": attempt(write("/tmp/fill", int(request.get("fillBytes", 0)))),
                "filledBytes": written["/tmp/fill"],
                "kpageflags": attempt(read("/proc/kpageflags")),
                "cgroup": open("/proc/self/cgroup").read().strip(),
                "unshareUser": attempt(syscall(272, CLONE_NEWUSER)),
                "keyctl": attempt(syscall(250, 0, -4, 0)),
                "chroot": attempt(lambda: os.chroot("/tmp")),
                "setuidRoot": attempt(lambda: os.setuid(0)),
                "bindPrivilegedPort": attempt(bind(1023)),
                "inotifyInstances": hoard_inotify(),
                # PTRACE_ATTACH to its own pid 1: refused by the filter before any other check
                "ptrace": attempt(syscall(101, 16, 1, 0, 0)),
                # a host process (the test's own JVM) by its host pid: not in its pid namespace
                "signalHost": attempt(lambda: os.kill(int(request.get("hostPid", 0)), 0))
                if request.get("hostPid") else "not asked",
            }
        """);
  }

  /**
   * A hostile tenant's network probe: for each target in the request it tries and reports what
   * happened. {@code tcp}: [[host, port], ...] → "connected", "timeout" or the error's name; {@code
   * http}: [url, ...] → the body or the error; {@code resolve}: [name, ...] → the IPv4 addresses or
   * the error; {@code abstract}: [name, ...] → connecting to the abstract Unix socket; {@code
   * hold}: [port, ...] → binds and listens on 0.0.0.0:port inside its own namespace and keeps the
   * sockets; {@code files}: [path, ...] → their text. Every attempt gives up after 1.5 s.
   */
  public static byte[] networkProbe() {
    return Tars.function(
        """
        import errno, socket, urllib.request

        held = []

        def outcome(action):
            try:
                result = action()
                return "connected" if result is None else result
            except socket.timeout:
                return "timeout"
            except OSError as e:
                if e.errno is None and isinstance(getattr(e, "reason", None), OSError):
                    e = e.reason
                if isinstance(e, socket.timeout):
                    return "timeout"
                return errno.errorcode.get(e.errno, str(e))
            except Exception as e:
                return type(e).__name__ + ": " + str(e)

        def tcp(host, port):
            def run():
                s = socket.create_connection((host, port), timeout=1.5)
                s.close()
            return run

        def http(url):
            def run():
                with urllib.request.urlopen(url, timeout=1.5) as r:
                    return r.read(200).decode()
            return run

        def resolve(name):
            def run():
                infos = socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)
                return sorted({i[4][0] for i in infos})
            return run

        def abstract(name):
            def run():
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(1.5)
                try:
                    s.connect("\\0" + name)
                finally:
                    s.close()
            return run

        def hold(port):
            def run():
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("0.0.0.0", port))
                s.listen(1)
                held.append(s)
                return "held"
            return run

        def read(path):
            def run():
                with open(path) as f:
                    return f.read(2000)
            return run

        def many(spec):
            # opens spec["count"] connections at once (each given 0.5 s), then closes them all
            opened, failed = [], {}
            for _ in range(int(spec["count"])):
                try:
                    opened.append(socket.create_connection((spec["host"], spec["port"]), timeout=0.5))
                except OSError as e:
                    key = "timeout" if isinstance(e, socket.timeout) else errno.errorcode.get(e.errno, str(e))
                    failed[key] = failed.get(key, 0) + 1
            for s in opened:
                s.close()
            return {"connected": len(opened), "failed": failed}

        def skyhook(request, meta):
            return {
                "tcp": {"%s:%s" % (h, p): outcome(tcp(h, p)) for h, p in request.get("tcp", [])},
                "http": {u: outcome(http(u)) for u in request.get("http", [])},
                "resolve": {n: outcome(resolve(n)) for n in request.get("resolve", [])},
                "abstract": {n: outcome(abstract(n)) for n in request.get("abstract", [])},
                "hold": {str(p): outcome(hold(p)) for p in request.get("hold", [])},
                "files": {f: outcome(read(f)) for f in request.get("files", [])},
                "many": many(request["many"]) if "many" in request else None,
                "whoami": meta["chamber_id"],
            }
        """);
  }

  /** Reports its environment and the limits it sees. */
  public static byte[] introspect() {
    return Tars.function(
        """
        import os

        def skyhook(request, meta):
            return {"env": dict(os.environ), "pid": os.getpid(), "uid": os.getuid()}
        """);
  }

  /**
   * On a call, writes {"bytes": N} to /dev/termination-log (a first line that looks like one of the
   * daemon's log lines, then filler) until it is full, answers how much it wrote, and exits 1.
   */
  public static byte[] terminationFlood() {
    return Tars.function(
        """
        import os, threading, time

        def skyhook(request, meta):
            written = 0
            try:
                with open("/dev/termination-log", "w") as log:
                    log.write("bye\\n2026-01-01T00:00:00.000Z INFO  ChamberService - FORGED line\\n")
                    chunk = "x" * 65536
                    while written < int(request.get("bytes", 1 << 26)):
                        log.write(chunk)
                        log.flush()
                        written += len(chunk)
            except OSError as error:
                return_error = str(error)
            else:
                return_error = None
            threading.Thread(target=lambda: (time.sleep(0.05), os._exit(1))).start()
            return {"written": written, "error": return_error}
        """);
  }

  /** On a call, prints {"lines": N} lines of 1000 characters, then "done". */
  public static byte[] chatty() {
    return Tars.function(
        """
        import sys

        def skyhook(request, meta):
            line = "y" * 1000 + "\\n"
            for _ in range(int(request.get("lines", 1000))):
                sys.stdout.write(line)
            print("done", flush=True)
            return {"printed": request.get("lines", 1000)}
        """);
  }
}
