package dev.impulse.chamber;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Makes text a function controls (its termination message, runc's and conmon's words about it) safe
 * to keep as a chamber's {@code reason}: at most 4 KiB of a function's words, as kubelet keeps of a
 * termination message, {@link #MAX_BYTES} in all, and no control characters, which are escaped (as
 * {@code \\n}, {@code \\x1b}) so a reason can never forge a line in the daemon's log or an event
 * stream.
 */
final class Reasons {
  /** The most bytes (UTF-8) of a function's own words kept: kubelet's limit. */
  static final int MESSAGE_BYTES = 4096;

  /** The most bytes (UTF-8) a reason holds: a message and what impulse adds to it. */
  static final int MAX_BYTES = MESSAGE_BYTES + 512;

  static final String CUT = " [cut]";

  private Reasons() {}

  /** {@code text} with control characters escaped, cut to {@link #MAX_BYTES} bytes. */
  static String bound(String text) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_BYTES));
    int cutBytes = CUT.length();
    int bytes = 0;
    int lastFitWithCut = 0;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      String piece = escape(cp);
      bytes += utf8Length(piece);
      if (bytes > MAX_BYTES) {
        out.setLength(lastFitWithCut);
        return out.append(CUT).toString();
      }
      out.append(piece);
      if (bytes <= MAX_BYTES - cutBytes) {
        lastFitWithCut = out.length();
      }
      i += Character.charCount(cp);
    }
    return out.toString();
  }

  /**
   * Decodes at most {@link #MESSAGE_BYTES} bytes of what a function wrote (malformed UTF-8 becomes
   * U+FFFD) and escapes its control characters: {@code read} bytes of {@code raw} were read of the
   * {@code total} it wrote.
   */
  static String fromBytes(byte[] raw, int read, long total) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    try {
      CharBuffer chars = decoder.decode(ByteBuffer.wrap(raw, 0, Math.min(read, MESSAGE_BYTES)));
      String text = bound(chars.toString());
      return total > MESSAGE_BYTES ? text + CUT : text;
    } catch (CharacterCodingException e) {
      return "(unreadable)";
    }
  }

  private static int utf8Length(String piece) {
    return piece.length() == 1 && piece.charAt(0) < 0x80
        ? 1
        : piece.getBytes(StandardCharsets.UTF_8).length;
  }

  private static String escape(int cp) {
    return switch (cp) {
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      case '\t' -> "\\t";
      case 0x2028, 0x2029 -> String.format("\\u%04x", cp);
      default ->
          cp < 0x20 || (cp >= 0x7f && cp < 0xa0)
              ? String.format("\\x%02x", cp)
              : new String(Character.toChars(cp));
    };
  }
}
