package dev.impulse.proxy;

/** Told of every call the proxy answered: for metrics. Must not block. */
public interface CallRecorder {
  /**
   * @param app the app called (empty string: none matched)
   * @param version the version that served it (empty string: no chamber served it)
   * @param status the status answered
   * @param nanos from the request's arrival to the end of the answer
   * @param waited whether it waited for a chamber (queued, or a scale from zero)
   */
  void called(String app, String version, int status, long nanos, boolean waited);

  /** Records nothing. */
  CallRecorder NONE = (app, version, status, nanos, waited) -> {};
}
