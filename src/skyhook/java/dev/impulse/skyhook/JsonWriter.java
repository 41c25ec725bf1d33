package dev.impulse.skyhook;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Writes plain Java values as compact JSON in UTF-8: a {@link Map} as an object (its keys by {@link
 * String#valueOf}), an {@link Iterable} or an array ({@code Object[]} or primitive; a {@code
 * char[]} is text, as {@link String#valueOf(char[])} reads it) as an array, a {@link CharSequence},
 * {@link Character} or {@link Enum} (its name) as a string, a {@link Number} as a number (a double
 * or float must be finite; below 10^16 it is written without an exponent), a {@link Boolean},
 * {@code null}, and an {@link Optional} (and {@link OptionalInt}, {@link OptionalLong}, {@link
 * OptionalDouble}) as its value or {@code null}.
 *
 * <p>Anything else is an {@link IllegalArgumentException} "result of type X is not JSON", as is a
 * value nested deeper than {@link JsonReader#MAX_DEPTH} levels (a collection that contains itself
 * would otherwise overflow the stack). Text is written as it is, but for what JSON must escape; a
 * lone surrogate is escaped ({@code \ud800}), so it survives instead of turning into '?'.
 * Stateless.
 */
final class JsonWriter {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonWriter() {}

  /** {@code value} as JSON in UTF-8. */
  static byte[] write(Object value) {
    StringBuilder out = new StringBuilder(128);
    value(out, value, 0);
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void value(StringBuilder out, Object value, int depth) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof CharSequence) {
      string(out, (CharSequence) value);
    } else if (value instanceof Boolean) {
      out.append(((Boolean) value).booleanValue());
    } else if (value instanceof Number) {
      number(out, (Number) value);
    } else if (value instanceof Map) {
      object(out, (Map<?, ?>) value, nested(depth));
    } else if (value instanceof Iterable) {
      array(out, ((Iterable<?>) value).iterator(), nested(depth));
    } else if (value instanceof char[]) {
      string(out, String.valueOf((char[]) value));
    } else if (value.getClass().isArray()) {
      array(out, value, nested(depth));
    } else if (value instanceof Character || value instanceof Enum) {
      string(out, value instanceof Enum ? ((Enum<?>) value).name() : value.toString());
    } else if (value instanceof Optional) {
      value(out, ((Optional<?>) value).orElse(null), depth);
    } else if (value instanceof OptionalInt) {
      OptionalInt o = (OptionalInt) value;
      value(out, o.isPresent() ? (Object) o.getAsInt() : null, depth);
    } else if (value instanceof OptionalLong) {
      OptionalLong o = (OptionalLong) value;
      value(out, o.isPresent() ? (Object) o.getAsLong() : null, depth);
    } else if (value instanceof OptionalDouble) {
      OptionalDouble o = (OptionalDouble) value;
      value(out, o.isPresent() ? (Object) o.getAsDouble() : null, depth);
    } else {
      throw notJson(value, "");
    }
  }

  private static int nested(int depth) {
    if (depth >= JsonReader.MAX_DEPTH) {
      throw new IllegalArgumentException(
          "result is nested deeper than "
              + JsonReader.MAX_DEPTH
              + " levels (does a collection contain itself?)");
    }
    return depth + 1;
  }

  private static void object(StringBuilder out, Map<?, ?> map, int depth) {
    out.append('{');
    boolean first = true;
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      string(out, String.valueOf(entry.getKey()));
      out.append(':');
      value(out, entry.getValue(), depth);
    }
    out.append('}');
  }

  private static void array(StringBuilder out, Iterator<?> items, int depth) {
    out.append('[');
    boolean first = true;
    while (items.hasNext()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      value(out, items.next(), depth);
    }
    out.append(']');
  }

  private static void array(StringBuilder out, Object array, int depth) {
    out.append('[');
    int length = Array.getLength(array);
    for (int i = 0; i < length; i++) {
      if (i > 0) {
        out.append(',');
      }
      value(out, Array.get(array, i), depth);
    }
    out.append(']');
  }

  private static void number(StringBuilder out, Number number) {
    if (number instanceof Integer
        || number instanceof Long
        || number instanceof Short
        || number instanceof Byte
        || number instanceof BigInteger
        || number instanceof BigDecimal) {
      out.append(number.toString());
    } else if (number instanceof Double || number instanceof Float) {
      double d = number.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw notJson(number, " (" + number + ")");
      }
      // A float's own digits: 0.1f is 0.1, not 0.10000000149011612.
      out.append(
          plain(
              number instanceof Float ? Float.toString(number.floatValue()) : Double.toString(d)));
    } else {
      // AtomicLong, LongAdder, a guest's own: written as they print, when that is a JSON number.
      String text = number.toString();
      if (!isJsonNumber(text)) {
        throw notJson(number, " (" + text + ")");
      }
      out.append(text);
    }
  }

  /**
   * A double as Java prints it, without the exponent Java uses from 10^7 up to 10^16, as Python and
   * JavaScript write them: an epoch time is 1796101998.376, not 1.796101998376E9.
   */
  static String plain(String printed) {
    int e = printed.indexOf('E');
    if (e < 0) {
      return printed;
    }
    int exponent = Integer.parseInt(printed.substring(e + 1));
    if (exponent < 1 || exponent > 15) {
      return printed;
    }
    int start = printed.charAt(0) == '-' ? 1 : 0;
    int dot = printed.indexOf('.');
    String digits = printed.substring(start, dot) + printed.substring(dot + 1, e);
    int point = dot - start + exponent;
    StringBuilder plain = new StringBuilder(printed.length() + exponent).append(printed, 0, start);
    if (digits.length() <= point) {
      plain.append(digits);
      for (int i = digits.length(); i < point; i++) {
        plain.append('0');
      }
      return plain.append(".0").toString();
    }
    return plain
        .append(digits, 0, point)
        .append('.')
        .append(digits, point, digits.length())
        .toString();
  }

  /** Whether {@code text} is a number as RFC 8259 writes it. */
  static boolean isJsonNumber(String text) {
    int i = 0;
    int n = text.length();
    if (i < n && text.charAt(i) == '-') {
      i++;
    }
    int digits = skipDigits(text, i);
    if (digits == i || (text.charAt(i) == '0' && digits > i + 1)) {
      return false;
    }
    i = digits;
    if (i < n && text.charAt(i) == '.') {
      digits = skipDigits(text, ++i);
      if (digits == i) {
        return false;
      }
      i = digits;
    }
    if (i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
      i++;
      if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
        i++;
      }
      digits = skipDigits(text, i);
      if (digits == i) {
        return false;
      }
      i = digits;
    }
    return i == n;
  }

  private static int skipDigits(String text, int i) {
    while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
      i++;
    }
    return i;
  }

  private static void string(StringBuilder out, CharSequence text) {
    out.append('"');
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        case '\b':
          out.append("\\b");
          break;
        case '\f':
          out.append("\\f");
          break;
        default:
          if (c < 0x20 || (Character.isSurrogate(c) && !paired(text, i))) {
            escape(out, c);
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }

  /** Whether the surrogate at {@code i} is half of a pair, which UTF-8 can encode. */
  private static boolean paired(CharSequence text, int i) {
    char c = text.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
  }

  private static void escape(StringBuilder out, char c) {
    out.append("\\u")
        .append(HEX[(c >> 12) & 0xf])
        .append(HEX[(c >> 8) & 0xf])
        .append(HEX[(c >> 4) & 0xf])
        .append(HEX[c & 0xf]);
  }

  private static IllegalArgumentException notJson(Object value, String detail) {
    return new IllegalArgumentException(
        "result of type " + value.getClass().getName() + " is not JSON" + detail);
  }
}
