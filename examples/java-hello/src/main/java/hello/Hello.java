package hello;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * A sample impulse function in Java.
 *
 * <p>{@link #apply} is called for every POST to the chamber's port with the decoded JSON body as
 * {@code request} (a Map, List, String, Number, Boolean or null); {@code meta} carries the chamber
 * id, app, version, request path and headers. Whatever it returns (maps, lists, strings, numbers,
 * booleans, null) is sent back as JSON. It needs no impulse library: the manifest's {@code
 * Skyhook-Function} names this class, and the wrapper constructs it once. Calls may run at the same
 * time, on threads of their own, so the count is atomic.
 */
public class Hello implements BiFunction<Object, Map<String, Object>, Object> {
  private final AtomicInteger calls = new AtomicInteger();

  @Override
  public Object apply(Object request, Map<String, Object> meta) {
    int call = calls.incrementAndGet();
    Object name = "world";
    if (request instanceof Map<?, ?> fields && fields.get("name") != null) {
      name = fields.get("name");
    }
    Object chamber = meta.get("chamber_id");
    System.out.println("greeting " + name + " (call " + call + " in " + chamber + ")");
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("greeting", "hello, " + name);
    answer.put("calls", call);
    answer.put("java", System.getProperty("java.version"));
    answer.put("chamber", chamber);
    answer.put("path", meta.get("path"));
    return answer;
  }
}
