package dev.impulse.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds tar archives in memory, including hostile ones no tar command would write. */
public final class Tars {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);
  private long modTime; // the same content always makes the same archive
  private int owner;

  private Tars() {
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
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

  /** A file of any bytes (a jar, an executable). */
  public Tars file(String name, byte[] data, int mode) {
    TarArchiveEntry entry = new TarArchiveEntry(name, true);
    entry.setSize(data.length);
    entry.setMode(mode);
    return put(entry, data);
  }

  public Tars dir(String name) {
    return dir(name, 0755);
  }

  public Tars dir(String name, int mode) {
    TarArchiveEntry entry = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true);
    entry.setMode(040000 | mode);
    return put(entry, null);
  }

  /** Entries put after this are modified at {@code epochSeconds} (else at 0). */
  public Tars modifiedAt(long epochSeconds) {
    modTime = epochSeconds * 1000;
    return this;
  }

  /** Entries put after this are owned by uid and gid {@code id} (else 0). */
  public Tars ownedBy(int id) {
    owner = id;
    return this;
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
    return device(name, TarConstants.LF_CHR, 1, 3);
  }

  /** A device entry: {@code type} is {@link TarConstants#LF_CHR} or {@link TarConstants#LF_BLK}. */
  public Tars device(String name, byte type, int major, int minor) {
    TarArchiveEntry entry = new TarArchiveEntry(name, type, true);
    entry.setDevMajor(major);
    entry.setDevMinor(minor);
    return put(entry, null);
  }

  /** An entry of any type flag, without content. */
  public Tars entry(String name, byte type) {
    return put(new TarArchiveEntry(name, type, true), null);
  }

  public Tars fifo(String name) {
    return put(new TarArchiveEntry(name, TarConstants.LF_FIFO, true), null);
  }

  private Tars put(TarArchiveEntry entry, byte[] data) {
    entry.setModTime(modTime);
    entry.setIds(owner, owner);
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

  /**
   * A tar whose first entry is a GNU long name or link ({@code 'L'}, {@code 'K'}) or a PAX header
   * ({@code 'x'}, {@code 'g'}) of {@code size} bytes, then main.py. Its content is one PAX record
   * ({@code "<size> comment=aaa…\n"}, valid for a PAX reader); it is made as it is read, never
   * held.
   */
  public static InputStream hugeHeader(byte type, long size) {
    boolean gnu =
        type == TarConstants.LF_GNUTYPE_LONGNAME || type == TarConstants.LF_GNUTYPE_LONGLINK;
    TarArchiveEntry entry =
        new TarArchiveEntry(gnu ? "././@LongLink" : "././@PaxHeader", type, true);
    entry.setSize(size);
    byte[] header = new byte[512];
    entry.writeEntryHeader(header);
    byte[] padding = new byte[(int) ((512 - size % 512) % 512)];
    return new SequenceInputStream(
        Collections.enumeration(
            List.of(
                new ByteArrayInputStream(header),
                paxRecord(size),
                new ByteArrayInputStream(padding),
                new ByteArrayInputStream(function("def skyhook(r, m):\n    return 1\n")))));
  }

  /**
   * A tar of {@code count} GNU long names of 10 bytes in a row, then main.py; made as it is read
   * (100,000 of them are 100 MB).
   */
  public static InputStream headerChain(int count) {
    TarArchiveEntry entry =
        new TarArchiveEntry("././@LongLink", TarConstants.LF_GNUTYPE_LONGNAME, true);
    entry.setSize(10);
    byte[] unit = new byte[1024];
    entry.writeEntryHeader(unit);
    java.util.Arrays.fill(unit, 512, 522, (byte) 'a');
    java.util.Iterator<InputStream> parts =
        java.util.stream.Stream.concat(
                java.util.stream.Stream.generate(() -> (InputStream) new ByteArrayInputStream(unit))
                    .limit(count),
                java.util.stream.Stream.of(
                    new ByteArrayInputStream(function("def skyhook(r, m):\n    return 1\n"))))
            .iterator();
    return new SequenceInputStream(
        new java.util.Enumeration<InputStream>() {
          @Override
          public boolean hasMoreElements() {
            return parts.hasNext();
          }

          @Override
          public InputStream nextElement() {
            return parts.next();
          }
        });
  }

  /** {@link #hugeHeader} compressed with gzip: about 285 KB for 300 MB. */
  public static byte[] hugeHeaderGzipped(byte type, long size) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out, 1 << 16);
        InputStream in = hugeHeader(type, size)) {
      in.transferTo(gzip);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** One PAX record of {@code size} bytes, {@code "<size> comment=aaa…\n"}, made as it is read. */
  private static InputStream paxRecord(long size) {
    byte[] prefix = (size + " comment=").getBytes(StandardCharsets.US_ASCII);
    return new InputStream() {
      private long at;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0];
      }

      @Override
      public int read(byte[] buffer, int offset, int length) {
        if (at >= size) {
          return -1;
        }
        int n = (int) Math.min(length, size - at);
        for (int i = 0; i < n; i++, at++) {
          buffer[offset + i] =
              at < prefix.length ? prefix[(int) at] : at == size - 1 ? (byte) '\n' : (byte) 'a';
        }
        return n;
      }
    };
  }
}
