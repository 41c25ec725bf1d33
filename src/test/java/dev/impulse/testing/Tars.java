package dev.impulse.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds tar archives in memory, including hostile ones no tar command would write. */
public final class Tars {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

  private Tars() {
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
  }

  public static Tars tar() {
    return new Tars();
  }

  /** A tar holding one main.py with {@code source}. */
  public static byte[] function(String source) {
    return tar().file("main.py", source).bytes();
  }

  public Tars file(String name, String content) {
    return file(name, content, 0644);
  }

  public Tars file(String name, String content, int mode) {
    byte[] data = content.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry entry = new TarArchiveEntry(name, true);
    entry.setSize(data.length);
    entry.setMode(mode);
    return put(entry, data);
  }

  public Tars dir(String name) {
    TarArchiveEntry entry = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true);
    entry.setMode(040755);
    return put(entry, null);
  }

  public Tars symlink(String name, String target) {
    TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
    entry.setLinkName(target);
    return put(entry, null);
  }

  public Tars hardlink(String name, String target) {
    TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
    entry.setLinkName(target);
    return put(entry, null);
  }

  public Tars charDevice(String name) {
    TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_CHR, true);
    entry.setDevMajor(1);
    entry.setDevMinor(3);
    return put(entry, null);
  }

  public Tars fifo(String name) {
    return put(new TarArchiveEntry(name, TarConstants.LF_FIFO, true), null);
  }

  private Tars put(TarArchiveEntry entry, byte[] data) {
    entry.setModTime(0); // the same content always makes the same archive
    try {
      tar.putArchiveEntry(entry);
      if (data != null) {
        tar.write(data);
      }
      tar.closeArchiveEntry();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public byte[] bytes() {
    try {
      tar.finish();
      tar.close();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The archive compressed with gzip. */
  public byte[] gzipped() {
    byte[] raw = bytes();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
