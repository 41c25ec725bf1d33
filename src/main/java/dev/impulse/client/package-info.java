/**
 * The daemon's HTTP API and the edge proxy as the command line talks to them: requests over the
 * JDK's {@link java.net.http.HttpClient}, RFC 9457 problems turned into exceptions carrying their
 * {@code detail}, the event stream, and {@link dev.impulse.client.FunctionPacker}, which packs a
 * function's directory into the archive the daemon accepts. Nothing here prints; the CLI does.
 *
 * <p>May use: nothing of impulse. It speaks to the daemon only through HTTP and JSON, as any other
 * client would.
 */
package dev.impulse.client;
