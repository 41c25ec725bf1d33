package dev.impulse.oci.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 9110 §11.6.1): a scheme such as {@code
 * Bearer} or {@code Basic} and its parameters ({@code realm}, {@code service}, {@code scope}).
 * Written here rather than taken from a library: the grammar is small, and a registry's header is
 * hostile input whose quoted values hold commas ({@code scope="repository:a:pull,push"}).
 * Immutable.
 *
 * @param scheme the scheme as sent; compare with {@link #is}
 * @param params parameter names lowercased (they are case-insensitive) to their unquoted values
 */
record AuthChallenge(String scheme, Map<String, String> params) {
  AuthChallenge {
    params = Map.copyOf(params);
  }

  /** Whether this challenge's scheme is {@code name}, ignoring case. */
  boolean is(String name) {
    return scheme.equalsIgnoreCase(name);
  }

  Optional<String> param(String name) {
    return Optional.ofNullable(params.get(name));
  }

  /**
   * The challenges of one header value, in order. Throws {@link IllegalArgumentException} saying
   * where it is malformed.
   */
  static List<AuthChallenge> parse(String header) {
    return new Parser(header).challenges();
  }

  private static final class Parser {
    private final String text;
    private int pos;

    Parser(String text) {
      this.text = text;
    }

    List<AuthChallenge> challenges() {
      List<AuthChallenge> found = new ArrayList<>();
      skip(" \t,");
      while (pos < text.length()) {
        String scheme = token();
        if (scheme.isEmpty()) {
          throw malformed("an authentication scheme");
        }
        found.add(new AuthChallenge(scheme, params()));
        skip(" \t,");
      }
      return found;
    }

    /** The parameters after a scheme, up to the next challenge or the end. */
    private Map<String, String> params() {
      Map<String, String> params = new LinkedHashMap<>();
      skip(" \t,");
      while (pos < text.length()) {
        int start = pos;
        String name = token();
        if (name.isEmpty()) {
          throw malformed("a parameter name");
        }
        skip(" \t");
        if (!peek('=')) {
          pos = start; // a token not followed by '=' is the next challenge's scheme
          break;
        }
        pos++;
        if (peek('=') || pos == text.length()) {
          skip("="); // token68 ("abc=="): a scheme's opaque data, which no registry sends
          skip(" \t,");
          continue;
        }
        skip(" \t");
        String value = peek('"') ? quoted() : bare();
        params.putIfAbsent(name.toLowerCase(Locale.ROOT), value);
        skip(" \t");
        if (pos < text.length() && !peek(',')) {
          throw malformed("',' after parameter " + name);
        }
        skip(" \t,");
      }
      return params;
    }

    private String token() {
      int start = pos;
      while (pos < text.length() && isTokenChar(text.charAt(pos))) {
        pos++;
      }
      return text.substring(start, pos);
    }

    /** An unquoted value: a token, or leniently anything up to a comma or a space. */
    private String bare() {
      int start = pos;
      while (pos < text.length() && ",; \t\"".indexOf(text.charAt(pos)) < 0) {
        pos++;
      }
      return text.substring(start, pos);
    }

    private String quoted() {
      StringBuilder value = new StringBuilder();
      pos++; // the opening quote
      while (pos < text.length()) {
        char c = text.charAt(pos++);
        if (c == '"') {
          return value.toString();
        }
        if (c == '\\') {
          if (pos == text.length()) {
            break;
          }
          c = text.charAt(pos++);
        }
        value.append(c);
      }
      throw malformed("a closing '\"'");
    }

    private boolean peek(char c) {
      return pos < text.length() && text.charAt(pos) == c;
    }

    private void skip(String chars) {
      while (pos < text.length() && chars.indexOf(text.charAt(pos)) >= 0) {
        pos++;
      }
    }

    private static boolean isTokenChar(char c) {
      return (c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private IllegalArgumentException malformed(String expected) {
      return new IllegalArgumentException(
          "WWW-Authenticate header is malformed: expected "
              + expected
              + " at character "
              + pos
              + " of '"
              + Sanitize.text(text)
              + "'");
    }
  }
}
