package dev.impulse.api;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * An RFC 9457 problem detail, served as {@code application/problem+json}.
 *
 * @param type a URI naming the kind of problem ({@code urn:impulse:problem:unknown-runtime})
 * @param title a short summary of the kind
 * @param status the HTTP status
 * @param detail what went wrong this time, and what to do about it
 * @param instance the request path
 * @param extensions further members, such as the runtimes that are available
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record Problem(
    String type,
    String title,
    int status,
    String detail,
    String instance,
    @JsonAnyGetter Map<String, Object> extensions) {
  /** The media type of problem details. */
  static final String MEDIA_TYPE = "application/problem+json";

  Problem {
    extensions = Map.copyOf(extensions);
  }
}
