package dev.impulse.skyhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What the wrapper answers with: a function's result as JSON, or a refusal naming its type. */
class JsonWriterTest {
  private static String write(Object value) {
    return new String(JsonWriter.write(value), StandardCharsets.UTF_8);
  }

  @Test
  void mapsListsAndScalarsAreWrittenCompactly() {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("s", "text");
    value.put("i", 7);
    value.put("l", 1L << 40);
    value.put("d", 1.5);
    value.put("t", true);
    value.put("n", null);
    value.put("a", List.of(1, "two", List.of(), Map.of()));
    assertThat(write(value))
        .isEqualTo(
            "{\"s\":\"text\",\"i\":7,\"l\":1099511627776,\"d\":1.5,\"t\":true,\"n\":null,"
                + "\"a\":[1,\"two\",[],{}]}");
  }

  @Test
  void whatIsReadIsWrittenBackTheSame() throws Exception {
    String json =
        "{\"name\":\"é中😀\",\"n\":[0,-1,2147483648,9223372036854775808,0.5,1.0E-5,1.5E300,"
            + "123456789.25],"
            + "\"nested\":{\"deep\":[[[]]],\"empty\":\"\"},\"t\":true,\"f\":false,\"z\":null}";
    Object read = JsonReader.read(json);
    assertThat(write(read)).isEqualTo(json);
    assertThat(JsonReader.read(JsonWriter.write(read))).isEqualTo(read);
  }

  @Test
  void textEscapesWhatJsonMustAndNothingElse() {
    assertThat(write("q\" b\\ n\n r\r t\t b\b f\f x\u0001 del\u007f é 😀 /"))
        .isEqualTo("\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f x\\u0001 del\u007f é 😀 /\"");
    assertThat(JsonWriter.write("é")).containsExactly(0x22, 0xc3, 0xa9, 0x22);
  }

  @Test
  void aLoneSurrogateIsEscapedSoItSurvives() throws Exception {
    String text = "a\ud800b\udc00c\ud83d\ude00";
    assertThat(write(text)).isEqualTo("\"a\\ud800b\\udc00c😀\"");
    assertThat(JsonReader.read(JsonWriter.write(text))).isEqualTo(text);
  }

  @Test
  void arraysIterablesAndOtherTextsAreWritten() {
    assertThat(write(new int[] {1, 2})).isEqualTo("[1,2]");
    assertThat(write(new double[] {0.25})).isEqualTo("[0.25]");
    assertThat(write(new boolean[] {true})).isEqualTo("[true]");
    assertThat(write(new byte[] {-1})).isEqualTo("[-1]");
    assertThat(write(new Object[] {"a", null, new long[] {3}})).isEqualTo("[\"a\",null,[3]]");
    assertThat(write(new char[] {'h', 'i'})).isEqualTo("\"hi\"");
    assertThat(write(Set.of("only"))).isEqualTo("[\"only\"]");
    assertThat(write(new StringBuilder("built"))).isEqualTo("\"built\"");
    assertThat(write('c')).isEqualTo("\"c\"");
    assertThat(write(TimeUnit.SECONDS)).isEqualTo("\"SECONDS\"");
  }

  @Test
  void optionalsAreTheirValueOrNull() {
    assertThat(write(Optional.of(List.of(1)))).isEqualTo("[1]");
    assertThat(write(Optional.empty())).isEqualTo("null");
    assertThat(write(OptionalInt.of(3))).isEqualTo("3");
    assertThat(write(OptionalLong.empty())).isEqualTo("null");
    assertThat(write(OptionalDouble.of(0.5))).isEqualTo("0.5");
  }

  @Test
  void numbersKeepTheirDigits() {
    assertThat(write(0.1f)).isEqualTo("0.1");
    assertThat(write((short) -3)).isEqualTo("-3");
    assertThat(write(new BigInteger("123456789012345678901234567890")))
        .isEqualTo("123456789012345678901234567890");
    assertThat(write(new BigDecimal("1e400"))).isEqualTo("1E+400");
    assertThat(write(1e21)).isEqualTo("1.0E21");
    assertThat(write(1e16)).isEqualTo("1.0E16");
    assertThat(write(1e15)).isEqualTo("1000000000000000.0");
    assertThat(write(1796101998.376)).isEqualTo("1796101998.376");
    assertThat(write(-12345678.9)).isEqualTo("-12345678.9");
    assertThat(write(1.0e7f)).isEqualTo("10000000.0");
    assertThat(write(1e-5)).isEqualTo("1.0E-5");
    assertThat(write(1234567.0)).isEqualTo("1234567.0");
    assertThat(write(new AtomicLong(42))).isEqualTo("42");
  }

  @Test
  void nanAndInfinityAreNotJson() {
    assertThatThrownBy(() -> JsonWriter.write(List.of(Double.NaN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("result of type java.lang.Double is not JSON (NaN)");
    assertThatThrownBy(() -> JsonWriter.write(Float.NEGATIVE_INFINITY))
        .hasMessage("result of type java.lang.Float is not JSON (-Infinity)");
  }

  @Test
  void aNumberThatDoesNotPrintAsOneIsNotJson() {
    Number odd =
        new Number() {
          @Override
          public int intValue() {
            return 0;
          }

          @Override
          public long longValue() {
            return 0;
          }

          @Override
          public float floatValue() {
            return 0;
          }

          @Override
          public double doubleValue() {
            return 0;
          }

          @Override
          public String toString() {
            return "zero";
          }
        };
    assertThatThrownBy(() -> JsonWriter.write(odd))
        .hasMessageStartingWith("result of type dev.impulse.skyhook.JsonWriterTest$")
        .hasMessageEndingWith(" is not JSON (zero)");
  }

  @Test
  void aValueOfAnyOtherTypeIsNotJsonNamingItsType() {
    assertThatThrownBy(() -> JsonWriter.write(Map.of("when", Instant.EPOCH)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("result of type java.time.Instant is not JSON");
    assertThatThrownBy(() -> JsonWriter.write(new Object()))
        .hasMessage("result of type java.lang.Object is not JSON");
  }

  @Test
  void mapKeysAreWrittenAsText() {
    Map<Object, Object> keys = new TreeMap<>();
    keys.put(1, "one");
    keys.put(2, true);
    assertThat(write(keys)).isEqualTo("{\"1\":\"one\",\"2\":true}");
    Map<Object, Object> nullKey = new HashMap<>();
    nullKey.put(null, 0);
    assertThat(write(nullKey)).isEqualTo("{\"null\":0}");
  }

  @Test
  void aCollectionThatContainsItselfIsRefusedNotAStackOverflow() {
    List<Object> loop = new ArrayList<>();
    loop.add(loop);
    assertThatThrownBy(() -> JsonWriter.write(loop))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("result is nested deeper than 512 levels");
    Object[] deep = new Object[1];
    Object[] inner = deep;
    for (int i = 0; i < 511; i++) {
      inner[0] = new Object[1];
      inner = (Object[]) inner[0];
    }
    assertThat(write(deep)).isEqualTo("[".repeat(512) + "null" + "]".repeat(512));
  }

  @Test
  void jsonNumbersAreRecognisedAsRfc8259WritesThem() {
    for (String number : Arrays.asList("0", "-0", "12", "1.5", "1e5", "1E+5", "-2.5e-3")) {
      assertThat(JsonWriter.isJsonNumber(number)).as(number).isTrue();
    }
    for (String text : Arrays.asList("", "-", "01", "1.", ".5", "1e", "+1", "NaN", "1 ")) {
      assertThat(JsonWriter.isJsonNumber(text)).as(text).isFalse();
    }
  }
}
