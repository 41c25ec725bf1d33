package dev.impulse.oci.registry;

/**
 * A user name and password (or access token) for one registry, sent as HTTP Basic credentials to
 * the registry or to its token server. {@link #toString} never shows the password, so a logged
 * settings object leaks nothing. Immutable.
 *
 * @param username the user name; no ':' (Basic authentication could not carry it)
 * @param password the password or token
 */
public record RegistryCredentials(String username, String password) {
  public RegistryCredentials {
    if (username == null || username.isEmpty() || username.contains(":")) {
      throw new IllegalArgumentException(
          "a registry user name must be non-empty and hold no ':' (HTTP Basic cannot carry it)");
    }
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException(
          "registry user '" + username + "' has an empty password; give the password or token");
    }
    if (hasControl(username) || hasControl(password)) {
      throw new IllegalArgumentException(
          "the credentials of registry user '"
              + username.replaceAll("\\p{Cntrl}", "?")
              + "' hold control characters (a newline copied with them?); remove them");
    }
  }

  private static boolean hasControl(String text) {
    return text.chars().anyMatch(c -> c < ' ' || c == 0x7f);
  }

  @Override
  public String toString() {
    return "RegistryCredentials[username=" + username + ", password=***]";
  }
}
