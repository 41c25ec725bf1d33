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
binds its port (connections wait in the backlog), connects to the daemon's control socket, says it
is ready and waits. The daemon mounts the guest at
SKYHOOK_GUEST_DIR and sends one line of JSON, {"env": {...}, "meta": {...}}: the chamber's
environment and identity. The wrapper closes the connection before it applies them and imports the
guest, so the function never holds the control path (and the daemon's listener is gone by then).

Standard library only: it runs on every Python baseimage unchanged.
"""

import time

STARTED = time.time()  # the interpreter is up; what follows is the wrapper's own start

import http.server
import importlib
import json
import os
import signal
import socket
import socketserver
import sys
import threading
import traceback

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
        traceback.print_exc()
        terminate("guest import failed: %s: %s" % (type(error).__name__, error))
    function = getattr(module, "skyhook", None)
    if not callable(function):
        terminate("guest import failed: main.py does not define skyhook(request, meta)")
    return function


MAX_CONTROL_LINE = 1024 * 1024  # the chamber's env is bounded far below this by the daemon


def specialise(path):
    """A stem cell: waits for the chamber it becomes, then takes on its environment and identity."""
    control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        control.connect(path)
        control.sendall(to_json({"ready": TIMINGS}) + b"\n")
        reader = control.makefile("rb")
        line = reader.readline(MAX_CONTROL_LINE)
        reader.close()
    finally:
        control.close()  # before any guest code runs
    if not line.endswith(b"\n"):
        sys.stderr.write("skyhook: the daemon hung up before specialising this cell\n")
        os._exit(GUEST_IMPORT_FAILED)
    chamber = json.loads(line)
    os.environ.pop("SKYHOOK_CONTROL", None)
    os.environ.update(chamber["env"])
    META.update(chamber["meta"])
    if "TZ" in chamber["env"]:
        time.tzset()
    TIMINGS["specialised"] = time.time()


def to_json(value):
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the body waits for the
    # client's delayed ACK (40 ms) on every call over a kept-alive connection.
    disable_nagle_algorithm = True
    server_version = "skyhook"
    sys_version = ""
    function = None

    def do_GET(self):
        if self.path.split("?", 1)[0] == "/healthz":
            self.answer(200, {"status": "ok", "timings": TIMINGS})
        else:
            self.answer(405, {"error": "MethodNotAllowed", "message": "call the function with POST"},
                        {"Allow": "POST"})

    def do_POST(self):
        with IN_FLIGHT:
            self.handle_call()

    def handle_call(self):
        body = self.read_body()
        if body is None:
            return
        try:
            request = json.loads(body) if body.strip() else None
        except ValueError as error:
            self.answer(400, {"error": "InvalidJSON", "message": "request body is not JSON: %s" % error})
            return
        meta = dict(META, path=self.path, method="POST", headers=dict(self.headers.items()))
        try:
            result = self.function(request, meta)
            payload = to_json(result)
        except BaseException as error:  # a guest's sys.exit() must not take the wrapper down
            traceback.print_exc()
            self.answer(500, {"error": type(error).__name__, "message": str(error)})
            return
        self.send(200, payload)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self.read_chunked()
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            self.answer(400, {"error": "BadRequest", "message": "Content-Length is not a number"})
            return None
        if length > MAX_BODY:
            self.answer(413, {"error": "PayloadTooLarge", "message": "body over %d bytes" % MAX_BODY})
            return None
        return self.rfile.read(length) if length > 0 else b""

    def read_chunked(self):
        chunks, total = [], 0
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                self.answer(413, {"error": "PayloadTooLarge", "message": "body over %d bytes" % MAX_BODY})
                self.close_connection = True
                return None
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def answer(self, status, document, headers=None):
        self.send(status, to_json(document), headers)

    def send(self, status, payload, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass  # the function's own output is what belongs in the chamber's log


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


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True  # idle keep-alive connections must not hold up a stop
    allow_reuse_address = True
    request_queue_size = 128

    def server_bind(self):
        # HTTPServer's own looks its address up in DNS (socket.getfqdn) for a name no one reads:
        # milliseconds of every start, and a query a chamber has no business sending.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        # A client that hangs up early is not the function's problem: keep it out of its log.
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def main():
    TIMINGS["imports_done"] = time.time()
    if os.environ.get("SKYHOOK_CONTROL"):
        # A cell listens before it has a function: whoever connects early waits in the backlog
        # until the guest is imported and the wrapper accepts, so a call needs no retries.
        server = Server((HOST, PORT), Handler)
        TIMINGS["listening"] = time.time()
        specialise(os.environ["SKYHOOK_CONTROL"])
        Handler.function = staticmethod(import_guest())
        TIMINGS["guest_imported"] = time.time()
    else:
        Handler.function = staticmethod(import_guest())
        TIMINGS["guest_imported"] = time.time()
        server = Server((HOST, PORT), Handler)
        TIMINGS["listening"] = time.time()
    # As PID 1 of its namespace this process gets no default signal handling: without a handler
    # SIGTERM would be ignored and every stop would wait for SIGKILL. The handler runs on the main
    # thread, which is in serve_forever: raising there stops accepting at once, with no polling.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=3600)
    except Stop:
        pass
    server.socket.close()
    IN_FLIGHT.wait_idle()  # requests in flight finish; the daemon's grace period bounds this


class Stop(BaseException):
    """Raised by the SIGTERM handler to leave serve_forever.

    A BaseException, like KeyboardInterrupt: socketserver catches Exception around the handling
    of each new connection, so a SIGTERM arriving while the main thread accepted one was taken for
    that connection's error and the server went on serving until the daemon's SIGKILL.
    """


def stop(signum, frame):
    raise Stop()


if __name__ == "__main__":
    main()
