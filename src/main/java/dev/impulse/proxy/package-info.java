/**
 * The edge proxy: its own listener, where {@code ANY /{app}/{rest}} is forwarded to a chamber of
 * that app's deployment (Jetty's {@code ProxyHandler}: streamed both ways, kept-alive connections
 * to chambers). It serves function calls only, never the API.
 *
 * <p>May use: deployment, http.
 */
package dev.impulse.proxy;
