package dev.impulse.image;

/**
 * Python's wrapper contract on Python 3.9, the oldest baseimage: its C JSON scanner raises its own
 * errors (3.11's cannot without the json module), and its socket timeouts are no TimeoutError.
 */
class WrapperHttpPython39IT extends WrapperHttpIT {
  @Override
  String runtime() {
    return "python3.9";
  }
}
