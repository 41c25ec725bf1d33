package dev.impulse.skyhook;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one JSON text (RFC 8259, strictly: no comments, no trailing commas, no NaN, no byte order
 * mark) into plain Java values: objects as {@link LinkedHashMap} (in their order; of a repeated
 * name the last value wins), arrays as {@link ArrayList}, strings, {@link Boolean}, {@code null},
 * and numbers as {@link Integer} when they fit, else {@link Long}, else {@link BigInteger}; a
 * number with a fraction or an exponent is a {@link Double}, or a {@link BigDecimal} when it is too
 * large for a double (a double would make it infinite).
 *
 * <p>Bounds: nesting at most {@link #MAX_DEPTH} levels, a number at most {@link #MAX_NUMBER}
 * characters (as Python's int: a longer one would take quadratic time to convert). Escaped lone
 * surrogates ({@code "\ud800"}) are kept, as Python keeps them. Every error names what was expected
 * and where. Not thread-safe; one reader per text.
 */
final class JsonReader {
  static final int MAX_DEPTH = 512;
  static final int MAX_NUMBER = 4300;

  private final String text;
  private int pos;
  private int depth;

  private JsonReader(String text) {
    this.text = text;
  }

  /** A text that is not JSON: the message says what is wrong and where. */
  static final class MalformedJson extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedJson(String message) {
      super(message);
    }
  }

  /** The value of the JSON text {@code utf8}. */
  static Object read(byte[] utf8) throws MalformedJson {
    return read(decode(utf8));
  }

  /** The value of the JSON text {@code text}. */
  static Object read(String text) throws MalformedJson {
    JsonReader reader = new JsonReader(text);
    reader.whitespace();
    Object value = reader.value();
    reader.whitespace();
    if (reader.pos < text.length()) {
      throw reader.error("extra data after the value");
    }
    return value;
  }

  /** Strict UTF-8: a malformed or overlong sequence, or an encoded surrogate, is an error. */
  static String decode(byte[] utf8) throws MalformedJson {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(utf8);
    CharBuffer out = CharBuffer.allocate(utf8.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      throw new MalformedJson("not UTF-8 at byte " + in.position());
    }
    decoder.flush(out);
    return out.flip().toString();
  }

  private Object value() throws MalformedJson {
    if (pos >= text.length()) {
      throw error("expecting a value, the text ended");
    }
    char c = text.charAt(pos);
    switch (c) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
        return string();
      case 't':
        return literal("true", Boolean.TRUE);
      case 'f':
        return literal("false", Boolean.FALSE);
      case 'n':
        return literal("null", null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        throw error("expecting a value, found " + describe(c));
    }
  }

  private Map<String, Object> object() throws MalformedJson {
    enter();
    pos++;
    Map<String, Object> object = new LinkedHashMap<>();
    whitespace();
    if (peek() == '}') {
      pos++;
      depth--;
      return object;
    }
    while (true) {
      whitespace();
      if (peek() != '"') {
        throw error("expecting a name in double quotes");
      }
      String name = string();
      whitespace();
      expect(':', "expecting ':' after a name");
      whitespace();
      object.put(name, value());
      whitespace();
      char c = peek();
      pos++;
      if (c == '}') {
        depth--;
        return object;
      }
      if (c != ',') {
        pos--;
        throw error("expecting ',' or '}' in an object");
      }
    }
  }

  private List<Object> array() throws MalformedJson {
    enter();
    pos++;
    List<Object> array = new ArrayList<>();
    whitespace();
    if (peek() == ']') {
      pos++;
      depth--;
      return array;
    }
    while (true) {
      whitespace();
      array.add(value());
      whitespace();
      char c = peek();
      pos++;
      if (c == ']') {
        depth--;
        return array;
      }
      if (c != ',') {
        pos--;
        throw error("expecting ',' or ']' in an array");
      }
    }
  }

  private void enter() throws MalformedJson {
    if (++depth > MAX_DEPTH) {
      throw error("nested deeper than " + MAX_DEPTH + " levels");
    }
  }

  private String string() throws MalformedJson {
    int start = ++pos;
    // The common case: no escapes, one copy.
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c == '"') {
        return text.substring(start, pos++);
      }
      if (c == '\\' || c < 0x20) {
        break;
      }
      pos++;
    }
    StringBuilder out = new StringBuilder(pos - start + 16).append(text, start, pos);
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c == '"') {
        pos++;
        return out.toString();
      }
      if (c < 0x20) {
        throw error(describe(c) + " in a string must be escaped");
      }
      if (c == '\\') {
        out.append(escape());
      } else {
        out.append(c);
        pos++;
      }
    }
    throw error("a string is not closed, the text ended");
  }

  private char escape() throws MalformedJson {
    pos++;
    if (pos >= text.length()) {
      throw error("an escape is cut off, the text ended");
    }
    char c = text.charAt(pos++);
    switch (c) {
      case '"':
      case '\\':
      case '/':
        return c;
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u':
        return unicode();
      default:
        pos--;
        throw error("invalid escape \\" + c);
    }
  }

  private char unicode() throws MalformedJson {
    if (pos + 4 > text.length()) {
      throw error("\\u needs four hex digits");
    }
    int value = 0;
    for (int i = 0; i < 4; i++) {
      int digit = Character.digit(text.charAt(pos), 16);
      if (digit < 0 || text.charAt(pos) > 'f') {
        throw error("\\u needs four hex digits");
      }
      value = value * 16 + digit;
      pos++;
    }
    return (char) value;
  }

  private Object literal(String word, Object value) throws MalformedJson {
    if (!text.startsWith(word, pos)) {
      throw error("expecting a value, found " + describe(text.charAt(pos)));
    }
    pos += word.length();
    return value;
  }

  private Object number() throws MalformedJson {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
    } else {
      digits("expecting a digit");
    }
    boolean integral = true;
    if (peek() == '.') {
      pos++;
      digits("expecting a digit after '.'");
      integral = false;
    }
    if (peek() == 'e' || peek() == 'E') {
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      digits("expecting a digit in the exponent");
      integral = false;
    }
    if (pos - start > MAX_NUMBER) {
      pos = start;
      throw error("a number of more than " + MAX_NUMBER + " characters");
    }
    String literal = text.substring(start, pos);
    if (integral) {
      return integer(literal);
    }
    try {
      return fraction(literal);
    } catch (NumberFormatException e) { // an exponent past what even a BigDecimal holds
      pos = start;
      throw error("a number out of range");
    }
  }

  private void digits(String expecting) throws MalformedJson {
    char c = peek();
    if (c < '0' || c > '9') {
      throw error(expecting);
    }
    do {
      pos++;
      c = peek();
    } while (c >= '0' && c <= '9');
  }

  private static Object integer(String literal) {
    if (literal.length() <= 18) {
      long value = Long.parseLong(literal);
      return value == (int) value ? (Object) (int) value : (Object) value;
    }
    BigInteger value = new BigInteger(literal);
    return value.bitLength() < 64 ? (Object) value.longValue() : value;
  }

  private static Object fraction(String literal) {
    double value = Double.parseDouble(literal);
    return Double.isInfinite(value) ? new BigDecimal(literal) : (Object) value;
  }

  private void whitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private char peek() {
    return pos < text.length() ? text.charAt(pos) : '\0';
  }

  private void expect(char c, String expecting) throws MalformedJson {
    if (peek() != c) {
      throw error(expecting);
    }
    pos++;
  }

  private MalformedJson error(String what) {
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < pos && i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    String where = pos >= text.length() && !what.endsWith("ended") ? ", the text ended" : "";
    return new MalformedJson(
        what
            + where
            + ": line "
            + line
            + " column "
            + (pos - lineStart + 1)
            + " (char "
            + pos
            + ")");
  }

  private static String describe(char c) {
    if (c >= 0x20 && c < 0x7f) {
      return "'" + c + "'";
    }
    String hex = Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT);
    return "U+" + "0000".substring(hex.length()) + hex;
  }
}
