/*
 * skyhook.c: an impulse function as a native binary, in one file of C with nothing but libc.
 *
 * impulse's `binary` runtime starts the executable named `skyhook` at the top of the function's
 * archive, as an unprivileged user, as PID 1 of its own pid namespace, on a read-only Debian root
 * file system where only /tmp is writable. The executable is the whole function: it serves HTTP
 * itself on SKYHOOK_HOST (default 127.0.0.1) and SKYHOOK_PORT, and the daemon calls it ready once
 * GET /healthz answers 200. SKYHOOK_CHAMBER_ID, SKYHOOK_APP and SKYHOOK_VERSION say whom it serves.
 *
 *   GET  /healthz     200 {"status":"ok"}
 *   POST <any path>   200 {"greeting":"hello from C","chamber":<SKYHOOK_CHAMBER_ID>,
 *                          "bytes":<body length>,"path":<request target>}
 *                     400 {"error":"InvalidJSON",...} when the body does not look like JSON
 *   POST /exit/<n>    answered as any POST, then the process exits with status n (0 to 255, after
 *                     the requests in flight): a demonstration of supervision, the daemon reports
 *                     the exit code (0: the chamber is STOPPED, other: FAILED with its exitCode)
 *   anything else     405 {"error":"MethodNotAllowed",...} with Allow: POST
 *
 * "Looks like JSON" is a heuristic, not a parser: the body's first byte that is not JSON white
 * space must be one of { [ " - 0-9 t f n. An empty body does not look like JSON (the Python
 * wrapper calls its function with None for one); `{oops` does. A real function would parse it.
 *
 * HTTP/1.1, the part a function call needs: kept-alive connections (HTTP/1.0 ones on request),
 * pipelining, Content-Length bodies, Expect: 100-continue. Each connection has a thread of its
 * own (at most MAX_CONNECTIONS; more wait in the listen backlog): the daemon's proxy keeps
 * connections open between calls, and its health probe must not wait behind them. The body is
 * counted as it arrives and never held whole. Refused, with the connection closed after the answer:
 * a request head over 16 KiB or 100 header lines (431), a body over 1 MiB (413, left unread),
 * any Transfer-Encoding, chunked bodies included (411: send Content-Length), a request that does
 * not arrive whole within 30 s of its first byte (408), anything malformed (400) and HTTP
 * versions other than 1.0 and 1.1 (505).
 *
 * Timeouts: a connection waits at most IO_TIMEOUT (30 s) for the first byte of its next request,
 * and a request must arrive whole within IO_TIMEOUT of its first byte; both are deadlines kept
 * with poll(), so a client trickling a byte at a time is cut off too. SO_RCVTIMEO and SO_SNDTIMEO
 * (30 s) back them up, and bound a client that does not read its answer. A silent client holds
 * one connection's thread for at most those 30 s and delays no one else; MAX_CONNECTIONS silent
 * clients at once would make the next one wait in the backlog for as long.
 *
 * Stopping: SIGTERM or SIGINT (handled: as PID 1 this process has no default action for them)
 * ends the accept loop at once (no SA_RESTART; the signals are unblocked only while the main
 * thread waits in ppoll, so none is lost between a check and the wait). Requests whose first
 * byte had arrived are finished and answered with Connection: close; then the process exits 0.
 * Idle kept-alive connections are closed by the exit.
 *
 * Logs: one line on stdout at start and one per request, flushed at once (the chamber's log).
 * A start-up failure is written to stderr and to SKYHOOK_TERMINATION_LOG when set (the daemon
 * reports it as the chamber's reason), and exits 2.
 *
 * Build: gcc -static -O2 -Wall -Wextra -o skyhook skyhook.c
 * (glibc's static libc: nothing here needs NSS; SKYHOOK_HOST is an address, read by inet_pton.)
 */

#define _GNU_SOURCE /* accept4, ppoll, MSG_MORE */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEAD (16 * 1024)       /* request line and headers; more is 431 */
#define MAX_HEADERS 100            /* header lines; more is 431 */
#define MAX_BODY (1024 * 1024)     /* body bytes; more is 413 */
#define IO_TIMEOUT 30              /* seconds: see "Timeouts" above */
#define LINGER_MS 2000             /* reading what a client still sends after the last answer */
#define LINGER_BYTES (4 * MAX_BODY)
#define MAX_CONNECTIONS 256        /* connections served at once, a thread each */
#define THREAD_STACK (256 * 1024)  /* a connection's buffers are on the heap */
#define LOG_TARGET 200             /* bytes of a request target a log line shows */
#define START_FAILED 2

union address {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
	struct sockaddr_storage any;
};

struct connection {
	int fd;
	char peer[INET6_ADDRSTRLEN + 8];
	size_t len;                /* bytes in buf: the head being read, or what followed it */
	char buf[MAX_HEAD];
	char target[MAX_HEAD + 1]; /* the current request's target, NUL-terminated */
};

struct request {
	char method[24];           /* empty until the request line is read */
	int minor;                 /* HTTP/1.<minor> */
	long long content_length;  /* -1: none; MAX_BODY + 1 stands for anything larger */
	int transfer_encoding;     /* any Transfer-Encoding header */
	int close;                 /* Connection: close */
	int keep_alive;            /* Connection: keep-alive */
	int expect_continue;       /* Expect: 100-continue */
	size_t body_bytes;
	int first;                 /* the body's first byte that is not white space; -1: none */
	struct timespec started;
	struct timespec deadline;  /* the whole request must have arrived by then */
};

/* Set by the signal handler; read by the main thread only. */
static volatile sig_atomic_t stopping;

/* Shared by the main thread and the connections' threads, under lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;
static int connections;        /* connection threads running */
static int in_flight;          /* requests from their first byte to their answer */
static int shutting_down;      /* no request starts any more */
static int exit_status;        /* what the process exits with: 0, or the n of POST /exit/<n> */

static pthread_t main_thread;
static char *chamber_json;     /* SKYHOOK_CHAMBER_ID, JSON-escaped */

/* ---- logging and failing ---------------------------------------------------------------------- */

/* One line on stdout, flushed. Nothing is done about a log that cannot be written: no one would
 * read the complaint. */
static void say(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *format, ...)
{
	va_list args;

	va_start(args, format);
	flockfile(stdout);
	vfprintf(stdout, format, args);
	fputc('\n', stdout);
	fflush(stdout);
	funlockfile(stdout);
	va_end(args);
}

/* A start-up failure: said on stderr and in the termination log, which the daemon reports. */
static void fail_start(const char *format, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail_start(const char *format, ...)
{
	char reason[512];
	va_list args;
	const char *log_path = getenv("SKYHOOK_TERMINATION_LOG");

	va_start(args, format);
	if (vsnprintf(reason, sizeof reason, format, args) < 0)
		strcpy(reason, "start-up failed");
	va_end(args);
	fprintf(stderr, "skyhook: %s\n", reason);
	if (log_path != NULL && *log_path != '\0') {
		int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		size_t length = strlen(reason);

		if (fd < 0 || write(fd, reason, length) != (ssize_t)length || close(fd) != 0)
			fprintf(stderr, "skyhook: cannot write %s: %s\n", log_path, strerror(errno));
	}
	exit(START_FAILED);
}

/* Mutex and condition calls fail only on a programming error: stop there rather than go on. */
static void check(int error, const char *what)
{
	if (error != 0) {
		fprintf(stderr, "skyhook: %s: %s\n", what, strerror(error));
		abort();
	}
}

static void lock_shared(void) { check(pthread_mutex_lock(&lock), "pthread_mutex_lock"); }
static void unlock_shared(void) { check(pthread_mutex_unlock(&lock), "pthread_mutex_unlock"); }

static void close_fd(int fd, const char *peer)
{
	/* On Linux the descriptor is released even when close fails (EINTR included): never retry. */
	if (close(fd) != 0)
		say("skyhook: %s: close: %s", peer, strerror(errno));
}

/* ---- time ------------------------------------------------------------------------------------- */

static void now(struct timespec *t)
{
	if (clock_gettime(CLOCK_MONOTONIC, t) != 0) {
		perror("skyhook: clock_gettime");
		abort();
	}
}

static void deadline_in(struct timespec *t, long milliseconds)
{
	now(t);
	t->tv_sec += milliseconds / 1000;
	t->tv_nsec += (milliseconds % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

/* Milliseconds left until t, rounded up; 0 once it has passed. */
static int ms_until(const struct timespec *t)
{
	struct timespec n;
	long long ns;

	now(&n);
	ns = (long long)(t->tv_sec - n.tv_sec) * 1000000000LL + (t->tv_nsec - n.tv_nsec);
	if (ns <= 0)
		return 0;
	if (ns / 1000000 >= INT_MAX)
		return INT_MAX;
	return (int)((ns + 999999) / 1000000);
}

static double ms_since(const struct timespec *t)
{
	struct timespec n;

	now(&n);
	return (double)(n.tv_sec - t->tv_sec) * 1e3 + (double)(n.tv_nsec - t->tv_nsec) / 1e6;
}

/* ---- JSON ------------------------------------------------------------------------------------- */

/* The length of the well-formed UTF-8 sequence of two to four bytes at s, or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	size_t length, i;
	unsigned long code, least;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		length = 2, code = s[0] & 0x1f, least = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		length = 3, code = s[0] & 0x0f, least = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		length = 4, code = s[0] & 0x07, least = 0x10000;
	} else {
		return 0;
	}
	if (n < length)
		return 0;
	for (i = 1; i < length; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		code = code << 6 | (s[i] & 0x3f);
	}
	if (code < least || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
		return 0;
	return length;
}

/*
 * Writes in[0..n) to out as the inside of a JSON string and NUL-terminates it; out must hold
 * 6 * n + 1 bytes. Quotes, backslashes and control characters are escaped, well-formed UTF-8 is
 * kept, and each byte of anything else becomes U+FFFD: the result is always valid JSON.
 */
static size_t json_escape(char *out, const char *in, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, i = 0, sequence;

	while (i < n) {
		unsigned char ch = s[i];

		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
			i++;
		} else if (ch >= 0x20 && ch < 0x7f) {
			out[o++] = (char)ch;
			i++;
		} else if (ch < 0x80) { /* control characters and DEL */
			out[o++] = '\\';
			if (ch == '\n') {
				out[o++] = 'n';
			} else if (ch == '\r') {
				out[o++] = 'r';
			} else if (ch == '\t') {
				out[o++] = 't';
			} else {
				memcpy(out + o, "u00", 3);
				o += 3;
				out[o++] = hex[ch >> 4];
				out[o++] = hex[ch & 0xf];
			}
			i++;
		} else if ((sequence = utf8_sequence(s + i, n - i)) > 0) {
			memcpy(out + o, s + i, sequence);
			o += sequence;
			i += sequence;
		} else {
			memcpy(out + o, "\\ufffd", 6);
			o += 6;
			i++;
		}
	}
	out[o] = '\0';
	return o;
}

/* json_escape into a new string; NULL when out of memory. */
static char *json_escaped(const char *in)
{
	size_t n = strlen(in);
	char *out = malloc(6 * n + 1);

	if (out != NULL)
		json_escape(out, in, n);
	return out;
}

static int looks_like_json(int first)
{
	return first > 0 && strchr("{[\"-0123456789tfn", first) != NULL; /* not NUL: strchr finds it */
}

/* ---- the shared state of a stop --------------------------------------------------------------- */

/* Counts a request in from its first byte; false once the process is stopping. */
static int begin_request(void)
{
	int started;

	lock_shared();
	started = !shutting_down;
	if (started)
		in_flight++;
	unlock_shared();
	return started;
}

static void end_request(void)
{
	lock_shared();
	if (--in_flight == 0)
		check(pthread_cond_broadcast(&idle), "pthread_cond_broadcast");
	unlock_shared();
}

static int is_shutting_down(void)
{
	int stop;

	lock_shared();
	stop = shutting_down;
	unlock_shared();
	return stop;
}

/* POST /exit/<n>, answered: the process stops as on SIGTERM, then exits with n. */
static void request_exit(int status)
{
	int error;

	lock_shared();
	exit_status = status;
	unlock_shared();
	/* Only the main thread ever has SIGTERM unblocked: it gets it in its next ppoll. */
	error = pthread_kill(main_thread, SIGTERM);
	if (error != 0) {
		say("skyhook: cannot signal the main thread (%s): exiting now", strerror(error));
		_exit(status);
	}
}

/* ---- connection I/O --------------------------------------------------------------------------- */

/* recv, waiting no later than deadline: > 0 bytes read, 0 the client closed, -1 with errno
 * (ETIMEDOUT when the deadline passed). */
static ssize_t recv_by(int fd, char *into, size_t room, const struct timespec *deadline)
{
	for (;;) {
		struct pollfd wait = {.fd = fd, .events = POLLIN};
		int left = ms_until(deadline), ready;
		ssize_t n;

		if (left == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		ready = poll(&wait, 1, left);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (ready == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = recv(fd, into, room, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			errno = ETIMEDOUT; /* SO_RCVTIMEO, should poll ever have woken us for nothing */
		return n;
	}
}

/* Sends all of data; false when the client is gone or has read nothing for SO_SNDTIMEO. */
static int send_all(int fd, const char *data, size_t length, int flags)
{
	while (length > 0) {
		ssize_t n = send(fd, data, length, flags | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		data += n;
		length -= (size_t)n;
	}
	return 1;
}

/* Closes after the last answer: what the client still sends (a body left unread, say) is read
 * and dropped for a moment first, since closing with unread data would reset the connection and
 * could take the answer with it before the client read it. */
static void linger_and_close(struct connection *c)
{
	struct timespec deadline;
	size_t drained = 0;
	ssize_t n;

	if (shutdown(c->fd, SHUT_WR) != 0 && errno != ENOTCONN)
		say("skyhook: %s: shutdown: %s", c->peer, strerror(errno));
	deadline_in(&deadline, LINGER_MS);
	while (drained < LINGER_BYTES && (n = recv_by(c->fd, c->buf, sizeof c->buf, &deadline)) > 0)
		drained += (size_t)n;
	close_fd(c->fd, c->peer);
}

/* ---- answers ---------------------------------------------------------------------------------- */

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

static void log_request(const struct connection *c, const struct request *r, int status,
			const char *note)
{
	char target[6 * LOG_TARGET + 1];
	size_t length = strlen(c->target);

	json_escape(target, c->target, length < LOG_TARGET ? length : LOG_TARGET);
	say("skyhook: %s \"%s %s%s\" %d body=%zu %.1fms%s", c->peer,
	    r->method[0] != '\0' ? r->method : "-", r->method[0] != '\0' ? target : "-",
	    length > LOG_TARGET ? "..." : "", status, r->body_bytes, ms_since(&r->started), note);
}

/* Sends an answer and logs it; whether the connection stays open for another request. */
static int answer(struct connection *c, const struct request *r, int status, const char *headers,
		  const char *body, int keep_alive)
{
	char head[512];
	size_t body_length = strlen(body);
	int head_length, sent;

	if (keep_alive && is_shutting_down())
		keep_alive = 0;
	head_length = snprintf(head, sizeof head,
			       "HTTP/1.1 %d %s\r\nServer: skyhook\r\nContent-Type: application/json\r\n"
			       "Content-Length: %zu\r\n%s%s\r\n",
			       status, reason(status), body_length, headers,
			       !keep_alive ? "Connection: close\r\n"
			       : r->minor == 0 ? "Connection: keep-alive\r\n" : "");
	if (head_length < 0 || (size_t)head_length >= sizeof head) {
		log_request(c, r, status, " (the answer's head did not fit)");
		return 0;
	}
	if (strcmp(r->method, "HEAD") == 0)
		body_length = 0; /* its length is said, its bytes are not sent */
	/* TCP_NODELAY is on: MSG_MORE makes head and body leave in one segment when they fit. */
	sent = send_all(c->fd, head, (size_t)head_length, body_length > 0 ? MSG_MORE : 0) &&
	       send_all(c->fd, body, body_length, 0);
	log_request(c, r, status, sent ? "" : " (the client did not take the answer)");
	if (sent && !keep_alive && shutdown(c->fd, SHUT_WR) != 0 && errno != ENOTCONN)
		say("skyhook: %s: shutdown: %s", c->peer, strerror(errno));
	return sent && keep_alive;
}

/* A request refused: a JSON error, and the connection closes. */
static int refuse(struct connection *c, const struct request *r, int status, const char *error,
		  const char *message)
{
	char body[256];
	int n = snprintf(body, sizeof body, "{\"error\":\"%s\",\"message\":\"%s\"}", error, message);

	if (n < 0 || (size_t)n >= sizeof body)
		strcpy(body, "{\"error\":\"BadRequest\"}");
	answer(c, r, status, "", body, 0);
	return 0;
}

/* A request cut short by its client, or by its deadline (408). */
static int lost(struct connection *c, const struct request *r, ssize_t n, const char *where)
{
	char note[128];

	if (n < 0 && errno == ETIMEDOUT)
		return refuse(c, r, 408, "RequestTimeout", "the request did not arrive within 30 s");
	snprintf(note, sizeof note, " (the client %s inside the %s)",
		 n == 0 ? "hung up" : strerror(errno), where);
	log_request(c, r, 0, note);
	return 0;
}

/* ---- requests --------------------------------------------------------------------------------- */

/* Where the request head in b[0..n) ends (after its empty line), or 0 while it has not; the
 * search starts at from. Lines end with LF, optionally preceded by CR. */
static size_t head_end(const char *b, size_t n, size_t from)
{
	size_t i;

	for (i = from; i + 1 < n; i++) {
		if (b[i] != '\n')
			continue;
		if (b[i + 1] == '\n')
			return i + 2;
		if (b[i + 1] == '\r' && i + 2 < n && b[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int is_tchar(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* The next line of the head at *at (before stop), NUL-terminated in place without its CR LF. */
static char *next_line(char **at, char *stop, size_t *length)
{
	char *line = *at, *end = memchr(line, '\n', (size_t)(stop - line));

	if (end == NULL)
		return NULL;
	*at = end + 1;
	if (end > line && end[-1] == '\r')
		end--;
	*end = '\0';
	*length = (size_t)(end - line);
	return line;
}

/* Whether a comma-separated header value holds token (case-insensitive). */
static int has_token(const char *value, const char *token)
{
	size_t length = strlen(token);

	while (*value != '\0') {
		const char *end;

		while (*value == ' ' || *value == '\t' || *value == ',')
			value++;
		end = value;
		while (*end != '\0' && *end != ',')
			end++;
		while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if ((size_t)(end - value) == length && strncasecmp(value, token, length) == 0)
			return 1;
		while (*value != '\0' && *value != ',')
			value++;
	}
	return 0;
}

/* Reads the head in c->buf[0..end) into r and c->target; 0, or the status that refuses it with
 * *why as its message. */
static int parse_head(struct connection *c, size_t end, struct request *r, const char **why)
{
	char *at = c->buf, *stop = c->buf + end, *line, *space, *target, *version, *p;
	size_t length = 0, i;
	int headers = 0;

	*why = "malformed request line";
	line = next_line(&at, stop, &length);
	if (line == NULL)
		return 400; /* cannot be: the head ends with an empty line */
	for (i = 0; i < length; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return 400; /* a bare CR, a NUL, any control character */
	space = strchr(line, ' ');
	if (space == NULL || space == line || (size_t)(space - line) >= sizeof r->method)
		return 400;
	*space = '\0';
	for (p = line; *p != '\0'; p++)
		if (!is_tchar((unsigned char)*p))
			return 400;
	target = space + 1;
	version = strchr(target, ' ');
	if (version == NULL || version == target)
		return 400;
	*version++ = '\0';
	if (strchr(version, ' ') != NULL)
		return 400;
	if (strcmp(version, "HTTP/1.1") == 0 || strcmp(version, "HTTP/1.0") == 0) {
		r->minor = version[7] - '0';
	} else if (strncmp(version, "HTTP/", 5) == 0) {
		*why = "only HTTP/1.0 and HTTP/1.1 are spoken here";
		return 505;
	} else {
		return 400;
	}
	strcpy(r->method, line);
	strcpy(c->target, target); /* shorter than the head */

	while ((line = next_line(&at, stop, &length)) != NULL && length > 0) {
		char *name = line, *value, *value_end;

		if (++headers > MAX_HEADERS) {
			*why = "more than 100 header lines";
			return 431;
		}
		*why = "malformed header line";
		for (i = 0; i < length; i++)
			if (((unsigned char)line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f)
				return 400; /* a bare CR, a NUL, any control character but tab */
		if (line[0] == ' ' || line[0] == '\t')
			return 400; /* obsolete line folding */
		value = memchr(line, ':', length);
		if (value == NULL || value == line)
			return 400;
		*value++ = '\0';
		for (p = name; *p != '\0'; p++)
			if (!is_tchar((unsigned char)*p))
				return 400;
		while (*value == ' ' || *value == '\t')
			value++;
		value_end = line + length;
		while (value_end > value && (value_end[-1] == ' ' || value_end[-1] == '\t'))
			*--value_end = '\0';

		if (strcasecmp(name, "Content-Length") == 0) {
			long long n = 0;

			*why = "Content-Length is not a number";
			if (*value == '\0')
				return 400;
			for (p = value; *p != '\0'; p++) {
				if (*p < '0' || *p > '9')
					return 400;
				if (n <= MAX_BODY)
					n = n * 10 + (*p - '0');
			}
			if (n > MAX_BODY)
				n = MAX_BODY + 1;
			*why = "Content-Length given twice, differently";
			if (r->content_length != -1 && r->content_length != n)
				return 400;
			r->content_length = n;
		} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
			r->transfer_encoding = 1;
		} else if (strcasecmp(name, "Connection") == 0) {
			r->close |= has_token(value, "close");
			r->keep_alive |= has_token(value, "keep-alive");
		} else if (strcasecmp(name, "Expect") == 0) {
			r->expect_continue |= strcasecmp(value, "100-continue") == 0;
		}
	}
	return 0;
}

/* The target's path (before any query) is path. */
static int path_is(const char *target, const char *path)
{
	size_t length = strlen(path);

	return strncmp(target, path, length) == 0 &&
	       (target[length] == '\0' || target[length] == '?');
}

/* n for a target /exit/<n> with n from 0 to 255, else -1. */
static int exit_status_of(const char *target)
{
	static const char prefix[] = "/exit/";
	const char *p;
	int status = 0, digits = 0;

	if (strncmp(target, prefix, sizeof prefix - 1) != 0)
		return -1;
	for (p = target + sizeof prefix - 1; *p >= '0' && *p <= '9'; p++) {
		if (++digits > 3)
			return -1;
		status = status * 10 + (*p - '0');
	}
	if (digits == 0 || status > 255 || (*p != '\0' && *p != '?'))
		return -1;
	return status;
}

/* Reads the body by its Content-Length, counting it and noting its first non-blank byte. */
static int read_body(struct connection *c, struct request *r)
{
	size_t want = r->content_length > 0 ? (size_t)r->content_length : 0;

	/* The client waits for this before it sends the body (curl does, for a second). */
	if (r->expect_continue && r->minor == 1 && want > c->len &&
	    !send_all(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25, 0)) {
		log_request(c, r, 100, " (the client did not take 100 Continue)");
		return 0;
	}
	while (r->body_bytes < want) {
		size_t take, i;

		if (c->len == 0) {
			size_t room = want - r->body_bytes;
			ssize_t n = recv_by(c->fd, c->buf, room < sizeof c->buf ? room : sizeof c->buf,
					    &r->deadline);

			if (n <= 0)
				return lost(c, r, n, "body");
			c->len = (size_t)n;
		}
		take = c->len < want - r->body_bytes ? c->len : want - r->body_bytes;
		for (i = 0; r->first == -1 && i < take; i++)
			if (c->buf[i] != ' ' && c->buf[i] != '\t' && c->buf[i] != '\r' && c->buf[i] != '\n')
				r->first = (unsigned char)c->buf[i];
		memmove(c->buf, c->buf + take, c->len - take); /* a pipelined request may follow */
		c->len -= take;
		r->body_bytes += take;
	}
	return 1;
}

/* Reads and answers the request whose first byte is in c->buf; whether the connection stays. */
static int handle(struct connection *c, struct request *r)
{
	size_t end, scanned = 0;
	const char *why;
	int status, keep_alive, exit_with;
	char *greeting, *path;

	while ((end = head_end(c->buf, c->len, scanned)) == 0) {
		ssize_t n;

		if (c->len == sizeof c->buf)
			return refuse(c, r, 431, "HeaderTooLarge", "request head over 16 KiB");
		scanned = c->len >= 2 ? c->len - 2 : 0;
		n = recv_by(c->fd, c->buf + c->len, sizeof c->buf - c->len, &r->deadline);
		if (n <= 0)
			return lost(c, r, n, "request head");
		c->len += (size_t)n;
	}
	status = parse_head(c, end, r, &why);
	if (status != 0)
		return refuse(c, r, status, status == 431 ? "HeaderTooLarge"
				  : status == 505 ? "VersionNotSupported" : "BadRequest", why);
	memmove(c->buf, c->buf + end, c->len - end);
	c->len -= end;
	keep_alive = r->minor == 1 ? !r->close : r->keep_alive;

	if (strcmp(r->method, "POST") != 0) {
		/* A body sent along is not read: the connection closes after the answer. */
		if (r->transfer_encoding || r->content_length > 0)
			keep_alive = 0;
		if (strcmp(r->method, "GET") == 0 && path_is(c->target, "/healthz"))
			return answer(c, r, 200, "", "{\"status\":\"ok\"}", keep_alive);
		return answer(c, r, 405, "Allow: POST\r\n",
			      "{\"error\":\"MethodNotAllowed\",\"message\":\"call the function with POST\"}",
			      keep_alive);
	}
	if (r->transfer_encoding)
		return refuse(c, r, 411, "LengthRequired",
			      "send the body with Content-Length: chunked bodies are not read here");
	if (r->content_length > MAX_BODY)
		return refuse(c, r, 413, "PayloadTooLarge", "body over 1 MiB");
	if (!read_body(c, r))
		return 0;

	exit_with = exit_status_of(c->target);
	if (exit_with >= 0)
		keep_alive = 0;
	if (!looks_like_json(r->first)) {
		keep_alive = answer(c, r, 400, "",
				    "{\"error\":\"InvalidJSON\",\"message\":\"request body is not JSON\"}",
				    keep_alive);
	} else {
		path = json_escaped(c->target);
		greeting = path == NULL ? NULL : malloc(strlen(chamber_json) + strlen(path) + 128);
		if (greeting == NULL) {
			free(path);
			return refuse(c, r, 500, "OutOfMemory", "no memory for the answer");
		}
		/* Big enough by construction; snprintf only to be sure. */
		if (snprintf(greeting, strlen(chamber_json) + strlen(path) + 128,
			     "{\"greeting\":\"hello from C\",\"chamber\":\"%s\",\"bytes\":%zu,"
			     "\"path\":\"%s\"}",
			     chamber_json, r->body_bytes, path) < 0)
			strcpy(greeting, "{}");
		keep_alive = answer(c, r, 200, "", greeting, keep_alive);
		free(greeting);
		free(path);
	}
	if (exit_with >= 0) {
		say("skyhook: %s asked for exit status %d", c->peer, exit_with);
		request_exit(exit_with);
	}
	return keep_alive;
}

/* Waits for the next request on c and serves it; whether the connection stays open. */
static int serve_request(struct connection *c)
{
	struct timespec idle_until;
	struct request r;
	int keep_alive;

	/* Empty lines before a request are skipped (RFC 9112, 2.2), within the idle time. */
	deadline_in(&idle_until, IO_TIMEOUT * 1000L);
	for (;;) {
		size_t skip = 0;
		ssize_t n;

		while (skip < c->len && (c->buf[skip] == '\r' || c->buf[skip] == '\n'))
			skip++;
		memmove(c->buf, c->buf + skip, c->len - skip);
		c->len -= skip;
		if (c->len > 0)
			break;
		n = recv_by(c->fd, c->buf, sizeof c->buf, &idle_until);
		if (n <= 0)
			return 0; /* the client closed, or was idle too long: nothing was asked */
		c->len = (size_t)n;
	}
	if (!begin_request())
		return 0; /* stopping: a request that began after SIGTERM is not taken */
	memset(&r, 0, sizeof r);
	c->target[0] = '\0';
	r.content_length = -1;
	r.first = -1;
	now(&r.started);
	deadline_in(&r.deadline, IO_TIMEOUT * 1000L);
	keep_alive = handle(c, &r);
	end_request();
	return keep_alive;
}

static void *serve_connection(void *arg)
{
	struct connection *c = arg;

	while (serve_request(c))
		continue;
	linger_and_close(c);
	free(c);
	lock_shared();
	connections--;
	unlock_shared();
	return NULL;
}

/* ---- the listener ----------------------------------------------------------------------------- */

static void on_stop(int signal_number)
{
	(void)signal_number;
	stopping = 1;
}

static void format_peer(const union address *a, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	int port;

	if (a->sa.sa_family == AF_INET6) {
		port = ntohs(a->v6.sin6_port);
		if (inet_ntop(AF_INET6, &a->v6.sin6_addr, host, sizeof host) == NULL)
			strcpy(host, "?");
		snprintf(out, size, "[%s]:%d", host, port);
	} else {
		port = ntohs(a->v4.sin_port);
		if (inet_ntop(AF_INET, &a->v4.sin_addr, host, sizeof host) == NULL)
			strcpy(host, "?");
		snprintf(out, size, "%s:%d", host, port);
	}
}

/* Gives an accepted connection a thread of its own, or closes it. */
static void start_connection(int fd, const union address *peer)
{
	struct timeval timeout = {.tv_sec = IO_TIMEOUT, .tv_usec = 0};
	struct connection *c = malloc(sizeof *c);
	pthread_attr_t attributes;
	pthread_t thread;
	int one = 1, error;
	char name[INET6_ADDRSTRLEN + 8];

	format_peer(peer, name, sizeof name);
	if (c == NULL) {
		say("skyhook: %s: no memory for the connection", name);
		close_fd(fd, name);
		return;
	}
	c->fd = fd;
	c->len = 0;
	c->target[0] = '\0';
	strcpy(c->peer, name);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
		say("skyhook: %s: setsockopt: %s", name, strerror(errno));
		goto drop;
	}
	error = pthread_attr_init(&attributes);
	if (error == 0) {
		error = pthread_attr_setstacksize(&attributes, THREAD_STACK);
		if (error == 0)
			error = pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
		if (error == 0) {
			lock_shared();
			connections++;
			unlock_shared();
			/* The thread inherits this thread's mask: SIGTERM and SIGINT stay blocked in it. */
			error = pthread_create(&thread, &attributes, serve_connection, c);
			if (error != 0) {
				lock_shared();
				connections--;
				unlock_shared();
			}
		}
		check(pthread_attr_destroy(&attributes), "pthread_attr_destroy");
	}
	if (error == 0)
		return;
	/* EAGAIN: the chamber's pids limit, most likely. The client may try again. */
	say("skyhook: %s: no thread for the connection: %s", name, strerror(error));
drop:
	close_fd(fd, name);
	free(c);
}

/* Whether accept's error concerns one connection only (or none): then listening goes on. */
static int accept_error_passes(int error)
{
	switch (error) {
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
	case EINTR:
	case ECONNABORTED:
	case EPROTO:
	case EPERM: /* a firewall said no */
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
	case EMFILE:  /* out of descriptors or memory: the function's own limits, waited out */
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		return 1;
	default:
		return 0;
	}
}

int main(void)
{
	const char *port_text = getenv("SKYHOOK_PORT"), *host = getenv("SKYHOOK_HOST");
	const char *chamber = getenv("SKYHOOK_CHAMBER_ID"), *app = getenv("SKYHOOK_APP");
	const char *version = getenv("SKYHOOK_VERSION");
	char *end, *app_json, *version_json;
	union address address;
	sigset_t stop_signals, wait_mask;
	struct sigaction action;
	long port;
	int listener, one = 1, error, status;

	main_thread = pthread_self();
	if (port_text == NULL || *port_text == '\0')
		fail_start("SKYHOOK_PORT is not set");
	errno = 0;
	port = strtol(port_text, &end, 10);
	if (errno != 0 || *end != '\0' || port < 1 || port > 65535)
		fail_start("SKYHOOK_PORT is not a port: %.64s", port_text);
	if (host == NULL || *host == '\0')
		host = "127.0.0.1";
	memset(&address, 0, sizeof address);
	if (inet_pton(AF_INET, host, &address.v4.sin_addr) == 1) {
		address.v4.sin_family = AF_INET;
		address.v4.sin_port = htons((unsigned short)port);
	} else if (inet_pton(AF_INET6, host, &address.v6.sin6_addr) == 1) {
		address.v6.sin6_family = AF_INET6;
		address.v6.sin6_port = htons((unsigned short)port);
	} else {
		fail_start("SKYHOOK_HOST is not an IPv4 or IPv6 address: %.64s", host);
	}
	chamber_json = json_escaped(chamber != NULL ? chamber : "");
	app_json = json_escaped(app != NULL ? app : "");
	version_json = json_escaped(version != NULL ? version : "");
	if (chamber_json == NULL || app_json == NULL || version_json == NULL)
		fail_start("out of memory");

	/*
	 * SIGTERM and SIGINT are blocked from here on, in every thread, and unblocked only while the
	 * main thread waits in ppoll: one that arrives anywhere else is delivered at the next wait,
	 * which it then ends. As PID 1 of its namespace this process would otherwise ignore them.
	 */
	if (sigemptyset(&stop_signals) != 0 || sigaddset(&stop_signals, SIGTERM) != 0 ||
	    sigaddset(&stop_signals, SIGINT) != 0)
		fail_start("sigaddset: %s", strerror(errno));
	error = pthread_sigmask(SIG_BLOCK, &stop_signals, &wait_mask);
	if (error != 0)
		fail_start("pthread_sigmask: %s", strerror(error));
	if (sigdelset(&wait_mask, SIGTERM) != 0 || sigdelset(&wait_mask, SIGINT) != 0)
		fail_start("sigdelset: %s", strerror(errno));
	memset(&action, 0, sizeof action);
	action.sa_handler = on_stop;
	action.sa_flags = 0; /* no SA_RESTART: the wait ends with EINTR */
	if (sigfillset(&action.sa_mask) != 0 || sigaction(SIGTERM, &action, NULL) != 0 ||
	    sigaction(SIGINT, &action, NULL) != 0)
		fail_start("sigaction: %s", strerror(errno));
	action.sa_handler = SIG_IGN; /* a client gone mid-answer is an error from send, not a death */
	if (sigaction(SIGPIPE, &action, NULL) != 0)
		fail_start("sigaction: %s", strerror(errno));

	listener = socket(address.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listener < 0)
		fail_start("socket: %s", strerror(errno));
	if (setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
		fail_start("setsockopt SO_REUSEADDR: %s", strerror(errno));
	if (bind(listener, &address.sa, address.sa.sa_family == AF_INET6 ? sizeof address.v6
		 : sizeof address.v4) != 0)
		fail_start("cannot bind %s port %ld: %s", host, port, strerror(errno));
	if (listen(listener, 128) != 0)
		fail_start("listen: %s", strerror(errno));
	say("skyhook: hello from C, listening on %s port %ld for chamber \"%s\" (app \"%s\", version "
	    "\"%s\"), pid %ld", host, port, chamber_json, app_json, version_json, (long)getpid());
	free(app_json);
	free(version_json);

	while (!stopping) {
		struct pollfd wait = {.fd = listener, .events = POLLIN};
		struct timespec pause = {.tv_sec = 0, .tv_nsec = 50 * 1000000L};
		union address peer;
		socklen_t peer_length = sizeof peer;
		int full, ready, fd;

		lock_shared();
		full = connections >= MAX_CONNECTIONS;
		unlock_shared();
		/* When full, new connections wait in the backlog: look again in a moment. */
		ready = ppoll(&wait, full ? 0 : 1, full ? &pause : NULL, &wait_mask);
		if (ready < 0) {
			if (errno == EINTR)
				continue; /* a signal: the loop's test says whether it was a stop */
			say("skyhook: ppoll: %s", strerror(errno));
			return 1;
		}
		if (full || ready == 0)
			continue;
		fd = accept4(listener, &peer.sa, &peer_length, SOCK_CLOEXEC);
		if (fd < 0) {
			if (!accept_error_passes(errno)) {
				say("skyhook: accept: %s", strerror(errno));
				return 1;
			}
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				say("skyhook: accept: %s", strerror(errno));
				if (ppoll(NULL, 0, &pause, &wait_mask) < 0 && errno != EINTR)
					say("skyhook: ppoll: %s", strerror(errno));
			}
			continue;
		}
		start_connection(fd, &peer);
	}

	/* Stopping: no new connection, no new request; those in flight are answered first. */
	close_fd(listener, "the listener");
	lock_shared();
	shutting_down = 1;
	while (in_flight > 0)
		check(pthread_cond_wait(&idle, &lock), "pthread_cond_wait");
	status = exit_status;
	unlock_shared();
	say("skyhook: stopped, exiting with status %d", status);
	return status;
}
