/**
 * skyhook for Java: the wrapper inside a Java chamber that turns HTTP requests on the chamber's
 * port into calls of the guest function (see {@link dev.impulse.skyhook.Skyhook}). It is not part
 * of the daemon: built for Java 17 into its own jar ({@code dev/impulse/image/skyhook.jar} in the
 * impulse jar) and run by the chamber's JVM.
 *
 * <p>May use: the JDK only (java.base, jdk.httpserver, jdk.unsupported's sun.misc.Signal).
 */
package dev.impulse.skyhook;
