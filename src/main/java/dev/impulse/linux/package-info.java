/**
 * The operating system calls the JDK lacks, through the FFM API: mount and unmount, spawning with
 * an inherited pipe, waiting for orphans as child subreaper, signals; and safe tree deletion.
 *
 * <p>May use: nothing of impulse.
 */
package dev.impulse.linux;
