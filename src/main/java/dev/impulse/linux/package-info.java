/**
 * The operating system calls the JDK lacks, through the FFM API: mount and unmount, spawning with
 * an inherited pipe, waiting for orphans as child subreaper, signals; safe tree deletion; and
 * {@link dev.impulse.linux.RootedDir}, file operations the kernel keeps inside a directory (openat2
 * with RESOLVE_BENEATH and no symbolic links followed), for untrusted trees, with what an overlayfs
 * lower layer needs (whiteout devices, extended attributes, times, syncfs).
 *
 * <p>May use: nothing of impulse.
 */
package dev.impulse.linux;
