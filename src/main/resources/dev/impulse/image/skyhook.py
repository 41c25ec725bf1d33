"""skyhook: impulse's platform wrapper around one guest function.

It imports the guest's main.py, binds the port the daemon allocated (SKYHOOK_PORT) and turns every
POST with a JSON body into a call of skyhook(request, meta), answering with the JSON result.

  POST <any path>  -> 200 and the result as JSON
                      400 when the body is not JSON
                      500 {"error": <type>, "message": <text>} when the function raises
  GET /healthz     -> 200 once the guest is imported (nothing is accepted before), with the
                      wrapper's start-up times (epoch seconds) under "timings"

A guest that cannot be imported ends the process with status 3, after writing the reason to the
termination log (SKYHOOK_TERMINATION_LOG), which the daemon reports as the chamber's reason.
SIGTERM stops accepting, lets requests in flight finish and exits with status 0.

A stem cell (SKYHOOK_CONTROL set) starts before it has a function: once its own imports are done it
binds its port (it listens only once specialised), connects to the daemon's control socket, says
it is ready and waits. The daemon mounts the guest at
SKYHOOK_GUEST_DIR and sends one line of JSON, {"env": {...}, "meta": {...}}: the chamber's
environment and identity. The wrapper closes the connection before it applies them and imports the
guest, so the function never holds the control path (and the daemon's listener is gone by then).

Standard library only, and only what it needs: it runs on every CPython baseimage unchanged. It
imports CPython's own C modules for sockets, signals and JSON (_socket, _signal, _json) rather than
the modules around them (socket, signal, json), whose enumerations and regular expressions took
12 of the 19 ms its imports took on Python 3.11; its imports now take about 6 ms, most of it
threading's.

Its HTTP/1.1 is the part of the protocol a function call needs: keep-alive, Content-Length and
chunked bodies, Expect: 100-continue; a head over 64 KiB or 100 header lines is 431, anything
malformed 400 (and the connection closes), a body over SKYHOOK_MAX_BODY_BYTES 413 unread.
"""

import time

STARTED = time.time()  # the interpreter is up; what follows is the wrapper's own start

import _json
import _signal
import _socket
import errno
import importlib
import io
import os
import sys
import threading

GUEST_IMPORT_FAILED = 3
TIMINGS = {"started": STARTED}


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        sys.stderr.write("skyhook: %s is not set\n" % name)
        sys.exit(2)
    return value


PORT = int(env("SKYHOOK_PORT"))
HOST = env("SKYHOOK_HOST", "127.0.0.1")
GUEST_DIR = env("SKYHOOK_GUEST_DIR", "/opt/guest")
TERMINATION_LOG = env("SKYHOOK_TERMINATION_LOG", "/dev/termination-log")
MAX_BODY = int(env("SKYHOOK_MAX_BODY_BYTES", str(16 * 1024 * 1024)))
META = {
    "chamber_id": os.environ.get("SKYHOOK_CHAMBER_ID", ""),
    "app": os.environ.get("SKYHOOK_APP", ""),
    "version": os.environ.get("SKYHOOK_VERSION", ""),
}


def terminate(reason):
    """Records why the chamber ends where the daemon looks for it, then exits."""
    try:
        with open(TERMINATION_LOG, "w") as out:
            out.write(reason[:4096])
    except OSError as error:
        sys.stderr.write("skyhook: cannot write %s: %s\n" % (TERMINATION_LOG, error))
    sys.stderr.write("skyhook: %s\n" % reason)
    sys.stderr.flush()
    os._exit(GUEST_IMPORT_FAILED)


def import_guest():
    sys.path.insert(0, GUEST_DIR)
    try:
        module = importlib.import_module("main")
    except BaseException as error:  # SyntaxError, ImportError, SystemExit, anything the guest raises
        print_exception()
        terminate("guest import failed: %s: %s" % (type(error).__name__, error))
    function = getattr(module, "skyhook", None)
    if not callable(function):
        terminate("guest import failed: main.py does not define skyhook(request, meta)")
    return function


MAX_CONTROL_LINE = 1024 * 1024  # the chamber's env is bounded far below this by the daemon


def specialise(path):
    """A stem cell: waits for the chamber it becomes, then takes on its environment and identity."""
    control = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        control.connect(path)
        control.sendall(to_json({"ready": TIMINGS}) + b"\n")
        reader = read_buffered(control)
        line = reader.readline(MAX_CONTROL_LINE)
        reader.close()
    finally:
        control.close()  # before any guest code runs
    if not line.endswith(b"\n"):
        sys.stderr.write("skyhook: the daemon hung up before specialising this cell\n")
        os._exit(GUEST_IMPORT_FAILED)
    chamber = from_json(line)
    os.environ.pop("SKYHOOK_CONTROL", None)
    os.environ.update(chamber["env"])
    META.update(chamber["meta"])
    if "TZ" in chamber["env"]:
        time.tzset()
    TIMINGS["specialised"] = time.time()


class JsonDecoding:
    """What _json's scanner reads from its context: the settings of json.loads's default decoder."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"),
                      "NaN": float("nan")}.__getitem__


JSON_SCAN = _json.make_scanner(JsonDecoding())
JSON_SPACE = " \t\n\r"


class JsonError(ValueError):
    """json.JSONDecodeError's message, for the two errors json.loads finds around the scanner."""

    def __init__(self, message, text, at):
        line = text.count("\n", 0, at) + 1
        column = at - text.rfind("\n", 0, at)
        super().__init__("%s: line %d column %d (char %d)" % (message, line, column, at))


def from_json(data):
    """json.loads(data) for bytes, by the scanner json.loads itself uses, with json.loads's UTF-8
    decoding and its messages. Two cases go to json.loads, imported then (once, about 10 ms): UTF-16
    and UTF-32 (a NUL or a UTF-16 byte order mark in the first 4 bytes, as json detects them), and
    a malformed value on Python 3.11, whose scanner raises SystemError without a message until the
    json module is loaded. The json module found may be the guest's own json.py, as for any import
    after the guest's: then a malformed body is answered with whatever that raises."""
    if b"\x00" in data[:4] or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        import json

        return json.loads(data)
    text = data.decode("utf-8-sig", "surrogatepass")
    start = len(text) - len(text.lstrip(JSON_SPACE))
    try:
        value, end = JSON_SCAN(text, start)
    except StopIteration as nothing:
        raise JsonError("Expecting value", text, nothing.value) from None
    except SystemError:
        del text  # not held twice while json reads the body again
        import json

        return json.loads(data)
    rest = text[end:].lstrip(JSON_SPACE)
    if rest:
        raise JsonError("Extra data", text, len(text) - len(rest))
    return value


def not_serializable(value):
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


def to_json(value):
    """json.dumps(value, ensure_ascii=False), UTF-8 encoded: the C encoder json.dumps itself uses,
    made per call as json.dumps makes it (its markers catch cycles, and are per call)."""
    encode = _json.make_encoder({}, not_serializable, _json.encode_basestring, None, ": ", ", ",
                                False, False, True)
    return "".join(encode(value, 0)).encode("utf-8")


class SocketReader(io.RawIOBase):
    """What socket.makefile("rb") reads through, for the _socket objects this wrapper uses."""

    def __init__(self, sock):
        super().__init__()
        self.sock = sock

    def readable(self):
        return True

    def readinto(self, buffer):
        return self.sock.recv_into(buffer)


def read_buffered(sock, size=io.DEFAULT_BUFFER_SIZE):
    """socket.makefile("rb", size): closing it leaves the socket open."""
    return io.BufferedReader(SocketReader(sock), size)


def print_exception():
    import traceback  # only when something failed: it costs milliseconds to import

    traceback.print_exc()


MAX_HEAD = 64 * 1024
MAX_HEADERS = 100
REASONS = {100: "Continue", 200: "OK", 400: "Bad Request", 405: "Method Not Allowed",
           413: "Content Too Large", 431: "Request Header Fields Too Large",
           500: "Internal Server Error", 501: "Not Implemented"}


class BadRequest(Exception):
    """The request cannot be read: answered with its status, then the connection closes."""

    def __init__(self, status, error, message):
        super().__init__(message)
        self.status, self.error = status, error


class Connection:
    """One client connection: requests read and answered in turn while it is kept alive."""

    function = None

    def __init__(self, sock):
        self.sock = sock
        self.rfile = read_buffered(sock, 65536)

    def serve(self):
        try:
            while self.serve_one():
                pass
        except (ConnectionError, TimeoutError, OSError):
            pass  # a client that hangs up early is not the function's problem
        finally:
            try:
                self.rfile.close()
                self.sock.close()
            except OSError:
                pass

    def serve_one(self):
        """Reads and answers one request; False when the connection is to close."""
        try:
            head = self.read_head()
            if head is None:
                return False
            method, target, version, (headers, given) = head
            keep_alive = self.keeps_alive(version, headers) and method != "HEAD"
            if method == "POST":
                body = self.read_body(headers)
                with IN_FLIGHT:
                    status, payload, extra = self.call(body, target, given)
            elif method == "GET" and target.split("?", 1)[0] == "/healthz":
                status, payload, extra = 200, to_json({"status": "ok", "timings": TIMINGS}), {}
            elif method in ("GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"):
                status, payload, extra = 405, to_json(
                    {"error": "MethodNotAllowed", "message": "call the function with POST"}), {
                    "Allow": "POST"}
            else:
                status, payload, extra = 501, to_json(
                    {"error": "NotImplemented", "message": "unsupported method"}), {}
                keep_alive = False
        except BadRequest as bad:
            self.send(bad.status, to_json({"error": bad.error, "message": str(bad)}), {}, False)
            return False
        self.send(status, payload, extra, keep_alive)
        return keep_alive

    def read_line(self, left):
        line = self.rfile.readline(min(left, MAX_HEAD) + 1)
        if len(line) > left:
            raise BadRequest(431, "HeaderTooLarge", "request head over %d bytes" % MAX_HEAD)
        return line

    def read_head(self):
        left = MAX_HEAD
        line = self.read_line(left)
        while line in (b"\r\n", b"\n"):  # tolerated between requests, within the head's bound
            left -= len(line)
            line = self.read_line(left)
        if not line:
            return None
        left -= len(line)
        parts = line.decode("latin-1").rstrip("\r\n").split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or not parts[0].isalpha():
            raise BadRequest(400, "BadRequest", "malformed request line")
        headers, given, lines = {}, {}, 0
        while True:
            line = self.read_line(left)
            left -= len(line)
            if line in (b"\r\n", b"\n"):
                break
            if not line.endswith(b"\n"):
                raise BadRequest(400, "BadRequest", "the request head ended early")
            lines += 1
            if lines > MAX_HEADERS:
                raise BadRequest(431, "HeaderTooLarge", "more than %d header lines" % MAX_HEADERS)
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon or not name or name != name.strip():
                raise BadRequest(400, "BadRequest", "malformed header line")
            key = name.lower()
            value = value.strip()
            headers[key] = headers[key] + ", " + value if key in headers else value
            given[name] = value  # as the client spelt it, for the function's meta
        return parts[0], parts[1], parts[2], (headers, given)

    @staticmethod
    def keeps_alive(version, headers):
        connection = headers.get("connection", "").lower()
        if version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection

    def read_body(self, headers):
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        if chunked and "content-length" in headers:
            raise BadRequest(400, "BadRequest", "both Content-Length and chunked")
        if headers.get("expect", "").lower() == "100-continue":
            self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if chunked:
            return self.read_chunked()
        length = headers.get("content-length", "0").strip()
        if not (length.isascii() and length.isdigit()):  # "²" is a digit to isdigit, not to int
            raise BadRequest(400, "BadRequest", "Content-Length is not a number")
        if int(length) > MAX_BODY:
            raise BadRequest(413, "PayloadTooLarge", "body over %d bytes" % MAX_BODY)
        body = self.rfile.read(int(length)) if int(length) > 0 else b""
        if len(body) < int(length):
            raise ConnectionError("the client hung up inside the body")
        return body

    def read_chunked(self):
        chunks, total = [], 0
        while True:
            line = self.rfile.readline(1026)
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise BadRequest(400, "BadRequest", "malformed chunk size")
            if size == 0:
                left = MAX_HEAD  # trailers, read and dropped
                while True:
                    trailer = self.read_line(left)
                    left -= len(trailer)
                    if trailer in (b"\r\n", b"\n", b""):
                        return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                raise BadRequest(413, "PayloadTooLarge", "body over %d bytes" % MAX_BODY)
            chunk = self.rfile.read(size)
            if len(chunk) < size:
                raise ConnectionError("the client hung up inside a chunk")
            chunks.append(chunk)
            self.rfile.readline(3)

    def call(self, body, target, given_headers):
        # Not JSON: a ValueError, a RecursionError when nested too deeply, or whatever a guest's
        # own json.py raises (see from_json).
        try:
            request = from_json(body) if body.strip() else None
        except Exception as error:
            return 400, to_json(
                {"error": "InvalidJSON", "message": "request body is not JSON: %s" % error}), {}
        meta = dict(META, path=target, method="POST", headers=given_headers)
        try:
            return 200, to_json(self.function(request, meta)), {}
        except BaseException as error:  # a guest's sys.exit() must not take the wrapper down
            print_exception()
            return 500, to_json({"error": type(error).__name__, "message": str(error)}), {}

    def send(self, status, payload, headers, keep_alive):
        # One write: headers and body never wait on each other (or on Nagle's algorithm).
        lines = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "")), "Server: skyhook",
                 "Content-Type: application/json", "Content-Length: %d" % len(payload)]
        lines.extend("%s: %s" % item for item in headers.items())
        if not keep_alive:
            lines.append("Connection: close")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)


class InFlight:
    """Counts requests being handled, so a stop waits for them and not for idle connections."""

    def __init__(self):
        self.count = 0
        self.idle = threading.Condition()

    def __enter__(self):
        with self.idle:
            self.count += 1

    def __exit__(self, *exc):
        with self.idle:
            self.count -= 1
            self.idle.notify_all()

    def wait_idle(self):
        with self.idle:
            self.idle.wait_for(lambda: self.count == 0)


IN_FLIGHT = InFlight()


class Server:
    """Listens on the port and serves each connection on a thread of its own."""

    def __init__(self, address, listen=True):
        self.socket = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        # Blocking whatever socket.setdefaulttimeout the guest set: on Python 3.9 a timed-out
        # accept is no TimeoutError and would end the accept loop.
        self.socket.settimeout(None)
        self.socket.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
        self.socket.bind(address)
        if listen:
            self.listen()

    def listen(self):
        self.socket.listen(128)

    def serve_forever(self):
        while True:
            try:
                fd, _ = self.socket._accept()  # what socket.accept does, less its wrapping
                sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM, 0, fd)
                sock.settimeout(None)  # what the listening socket has, as socket.accept does
            except (ConnectionError, TimeoutError):
                continue
            except OSError as error:
                if error.errno not in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    raise
                time.sleep(0.05)  # out of descriptors or memory: the function's own limit
                continue
            try:
                # Headers and body go out in one write; without this, a kept-alive connection's
                # answer would still wait on the client's delayed ACK now and then.
                sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
                # Daemon threads: idle keep-alive connections must not hold up a stop.
                threading.Thread(target=Connection(sock).serve, daemon=True).start()
            except (RuntimeError, OSError):  # no thread left under the chamber's pids limit
                sock.close()


# A stem cell imports these while it waits for its function, so a guest that imports them finds
# them loaded: the standard library's modules functions import most, each costing a pooled start
# 0.1 to 3 ms (platform and its regular expressions the most). A cold start does not: it would only
# be slower. None reads an environment variable when imported (the chamber's env is applied after);
# a runtime image without one of them skips it.
CELL_PRELOAD = ("base64", "collections", "dataclasses", "datetime", "decimal", "enum",
                "functools", "json", "math", "platform", "random", "re", "signal", "socket",
                "string", "typing", "urllib.parse", "uuid")


def warm_cell():
    """Preloads CELL_PRELOAD and rehearses a call, so a cell's first request is not its slowest.

    Returns the names of the modules the preload added, for forget_shadowed_preloads."""
    before = set(sys.modules)
    for name in CELL_PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    TIMINGS["preloaded"] = time.time()
    try:
        rehearse()
    except Exception:  # a warm-up, never a reason for the cell to fail
        pass
    TIMINGS["rehearsed"] = time.time()
    return set(sys.modules) - before


def rehearse():
    ours, theirs = _socket.socketpair()
    ours.settimeout(5)
    theirs.settimeout(5)
    Connection.function = staticmethod(lambda request, meta: {"rehearsal": request})
    try:
        served = threading.Thread(target=Connection(ours).serve, daemon=True)
        served.start()
        body = b'{"rehearsal": [1, 2.5, "\\u00e9", true, null]}'
        theirs.sendall(b"POST /rehearsal HTTP/1.1\r\nHost: skyhook\r\nConnection: close\r\n"
                       b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                       % (len(body), body))
        while theirs.recv(4096):
            pass
        served.join(5)
    finally:
        theirs.close()
        Connection.function = None


def forget_shadowed_preloads(preloaded):
    """A guest's own module of a preloaded name (its platform.py, say) wins, as on a cold start,
    where the guest's directory comes first on sys.path: then the preload is forgotten, and the
    guest imports as a cold chamber would."""
    try:
        names = {entry.split(".", 1)[0] for entry in os.listdir(GUEST_DIR)}
    except OSError:
        return
    if names & {module.split(".", 1)[0] for module in preloaded}:
        for module in preloaded:
            sys.modules.pop(module, None)


def main():
    TIMINGS["imports_done"] = time.time()
    if os.environ.get("SKYHOOK_CONTROL"):
        preloaded = warm_cell()
        # A cell binds before it has a function but listens only once it is a chamber's: before,
        # no caller can queue requests for whichever tenant gets it, or fill its backlog. Callers
        # who connect after that wait in the backlog until the guest is imported.
        server = Server((HOST, PORT), listen=False)
        specialise(os.environ["SKYHOOK_CONTROL"])
        forget_shadowed_preloads(preloaded)
        server.listen()
        TIMINGS["listening"] = time.time()
        Connection.function = staticmethod(import_guest())
        TIMINGS["guest_imported"] = time.time()
    else:
        Connection.function = staticmethod(import_guest())
        TIMINGS["guest_imported"] = time.time()
        server = Server((HOST, PORT))
        TIMINGS["listening"] = time.time()
    # As PID 1 of its namespace this process gets no default signal handling: without a handler
    # SIGTERM would be ignored and every stop would wait for SIGKILL. The handler runs on the main
    # thread, which is in serve_forever: raising there stops accepting at once, with no polling.
    _signal.signal(_signal.SIGTERM, stop)
    _signal.signal(_signal.SIGINT, stop)
    try:
        server.serve_forever()
    except Stop:
        pass
    server.socket.close()
    IN_FLIGHT.wait_idle()  # requests in flight finish; the daemon's grace period bounds this


class Stop(BaseException):
    """Raised by the SIGTERM handler to leave serve_forever.

    A BaseException, like KeyboardInterrupt: the accept loop carries on past the errors of single
    connections, and a SIGTERM arriving while it handled one must not be taken for one of them.
    """


def stop(signum, frame):
    raise Stop()


if __name__ == "__main__":
    main()
