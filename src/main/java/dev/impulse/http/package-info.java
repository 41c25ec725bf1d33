/**
 * What the daemon's two HTTP listeners (the API and the edge proxy) share: the guard against slow
 * and greedy clients.
 *
 * <p>May use: nothing of impulse.
 */
package dev.impulse.http;
