package dev.impulse.skyhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the wrapper reads from a request body: strict JSON, into plain Java values. */
class JsonReaderTest {
  private static Object read(String json) throws JsonReader.MalformedJson {
    return JsonReader.read(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void everyJsonTypeBecomesAPlainJavaValue() throws Exception {
    Object value =
        read(
            " {\"s\": \"text\", \"i\": 7, \"d\": 1.5, \"t\": true, \"f\": false, \"n\": null,"
                + " \"a\": [1, \"two\", [], {}], \"o\": {\"k\": \"v\"}} ");
    assertThat(value).isInstanceOf(LinkedHashMap.class);
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("s", "text");
    expected.put("i", 7);
    expected.put("d", 1.5);
    expected.put("t", true);
    expected.put("f", false);
    expected.put("n", null);
    expected.put("a", List.of(1, "two", List.of(), Map.of()));
    expected.put("o", Map.of("k", "v"));
    assertThat(value).isEqualTo(expected);
    assertThat(new java.util.ArrayList<Object>(((Map<?, ?>) value).keySet()))
        .containsExactly("s", "i", "d", "t", "f", "n", "a", "o");
  }

  @Test
  void integersAreIntegerThenLongThenBigInteger() throws Exception {
    assertThat(read("2147483647")).isEqualTo(Integer.MAX_VALUE);
    assertThat(read("-2147483648")).isEqualTo(Integer.MIN_VALUE);
    assertThat(read("2147483648")).isEqualTo(2147483648L);
    assertThat(read("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
    assertThat(read("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
    assertThat(read("9223372036854775808")).isEqualTo(new BigInteger("9223372036854775808"));
    assertThat(read("-0")).isEqualTo(0);
  }

  @Test
  void fractionsAndExponentsAreDoublesAndWhatADoubleCannotHoldIsABigDecimal() throws Exception {
    assertThat(read("0.5")).isEqualTo(0.5);
    assertThat(read("-1e3")).isEqualTo(-1000.0);
    assertThat(read("2E-2")).isEqualTo(0.02);
    assertThat(read("1e400")).isEqualTo(new BigDecimal("1e400"));
  }

  @Test
  void unicodeEscapesAndSurrogatePairsAreDecoded() throws Exception {
    assertThat(read("\"\\u00e9\\u4e2d\\ud83d\\ude00\\n\\t\\\"\\\\\\/\\b\\f\\r\""))
        .isEqualTo("é中😀\n\t\"\\/\b\f\r");
    assertThat(read("\"é中😀\"")).isEqualTo("é中😀");
    assertThat(read("\"\\uD83D\\uDE00\"")).isEqualTo("😀");
  }

  @Test
  void anEscapedLoneSurrogateIsKeptAsPythonKeepsIt() throws Exception {
    assertThat(read("\"a\\ud800b\"")).isEqualTo("a\ud800b");
  }

  @Test
  void repeatedNamesKeepTheLastValue() throws Exception {
    assertThat(read("{\"a\": 1, \"a\": 2}")).isEqualTo(Map.of("a", 2));
  }

  @Test
  void nestingUpTo512LevelsIsReadAndDeeperIsRefused() throws Exception {
    assertThat(read("[".repeat(512) + "]".repeat(512))).isInstanceOf(List.class);
    assertThatThrownBy(() -> read("[".repeat(513) + "]".repeat(513)))
        .isInstanceOf(JsonReader.MalformedJson.class)
        .hasMessage("nested deeper than 512 levels: line 1 column 513 (char 512)");
    assertThatThrownBy(() -> read("{\"a\":".repeat(600) + "1" + "}".repeat(600)))
        .hasMessageStartingWith("nested deeper than 512 levels");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "{nope            | expecting a name in double quotes: line 1 column 2 (char 1)",
        "[1,]             | expecting a value, found ']': line 1 column 4 (char 3)",
        "{\"a\":1,}       | expecting a name in double quotes: line 1 column 8 (char 7)",
        "{\"a\" 1}        | expecting ':' after a name: line 1 column 6 (char 5)",
        "[1 2]            | expecting ',' or ']' in an array: line 1 column 4 (char 3)",
        "{\"a\":1 \"b\"}  | expecting ',' or '}' in an object: line 1 column 8 (char 7)",
        "01               | extra data after the value: line 1 column 2 (char 1)",
        "1 2              | extra data after the value: line 1 column 3 (char 2)",
        "1.               | expecting a digit after '.', the text ended: line 1 column 3 (char 2)",
        "1e+              | expecting a digit in the exponent, the text ended: line 1 column 4 (char 3)",
        "-                | expecting a digit, the text ended: line 1 column 2 (char 1)",
        "-x               | expecting a digit: line 1 column 2 (char 1)",
        ".5               | expecting a value, found '.': line 1 column 1 (char 0)",
        "tru              | expecting a value, found 't': line 1 column 1 (char 0)",
        "NaN              | expecting a value, found 'N': line 1 column 1 (char 0)",
        "Infinity         | expecting a value, found 'I': line 1 column 1 (char 0)",
        "'single'         | expecting a value, found ''': line 1 column 1 (char 0)",
        "\"open           | a string is not closed, the text ended: line 1 column 6 (char 5)",
        "\"\\x\"          | invalid escape \\x: line 1 column 3 (char 2)",
        "\"\\u12g4\"      | \\u needs four hex digits: line 1 column 6 (char 5)",
        "\"\\u12\"        | \\u needs four hex digits: line 1 column 4 (char 3)",
        "[1,\\n2,\\n]     | expecting a value, found ']': line 3 column 1 (char 7)",
        "``               | expecting a value, the text ended: line 1 column 1 (char 0)",
      })
  void whatIsNotJsonIsRefusedSayingWhatAndWhere(String text, String message) {
    assertThatThrownBy(() -> read(text.replace("\\n", "\n")))
        .isInstanceOf(JsonReader.MalformedJson.class)
        .hasMessage(message);
  }

  @Test
  void controlCharactersInAStringMustBeEscaped() {
    assertThatThrownBy(() -> read("\"a\tb\""))
        .hasMessage("U+0009 in a string must be escaped: line 1 column 3 (char 2)");
  }

  @Test
  void aByteOrderMarkIsNotJson() {
    assertThatThrownBy(() -> JsonReader.read(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}))
        .hasMessage("expecting a value, found U+FEFF: line 1 column 1 (char 0)");
  }

  @Test
  void bytesThatAreNotUtf8AreRefusedNamingTheFirstBadByte() {
    byte[] latin1 = "[\"caf\u00e9\"]".getBytes(StandardCharsets.ISO_8859_1);
    assertThatThrownBy(() -> JsonReader.read(latin1)).hasMessage("not UTF-8 at byte 5");
    byte[] encodedSurrogate = {'"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"'};
    assertThatThrownBy(() -> JsonReader.read(encodedSurrogate)).hasMessage("not UTF-8 at byte 1");
    byte[] overlong = {'"', (byte) 0xc0, (byte) 0xaf, '"'};
    assertThatThrownBy(() -> JsonReader.read(overlong)).hasMessage("not UTF-8 at byte 1");
  }

  @Test
  void aNumberOfMoreThan4300CharactersIsRefusedBeforeItIsConverted() throws Exception {
    assertThat(read("9".repeat(4300))).isEqualTo(new BigInteger("9".repeat(4300)));
    assertThatThrownBy(() -> read("[" + "9".repeat(4301) + "]"))
        .hasMessage("a number of more than 4300 characters: line 1 column 2 (char 1)");
  }

  @Test
  void anExponentPastWhatABigDecimalHoldsIsRefused() {
    assertThatThrownBy(() -> read("1e99999999999"))
        .hasMessage("a number out of range: line 1 column 1 (char 0)");
  }

  @Test
  void aLargeArrayIsReadWhole() throws Exception {
    int[] numbers = new int[100_000];
    Arrays.setAll(numbers, i -> i);
    String json = Arrays.toString(numbers);
    List<?> read = (List<?>) read(json);
    assertThat(read).hasSize(100_000);
    assertThat(read.get(99_999)).isEqualTo(99_999);
  }
}
