# Sourced by the scripts: exports JAVA_HOME pointing at a JDK 25 or newer, or stops with what to install.
# Order: $JAVA_HOME when it is 25+, else the newest /usr/lib/jvm/*25* that has javac.

jdk_major() { # prints the feature release of the JDK in $1, or nothing
  local release="$1/release"
  [ -r "$release" ] && [ -x "$1/bin/javac" ] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release"
}

find_jdk25() {
  local major
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(jdk_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then echo "$JAVA_HOME"; return 0; fi
  fi
  local candidate
  for candidate in $(ls -d /usr/lib/jvm/*25* 2>/dev/null | sort -rV); do
    major=$(jdk_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

if ! JAVA_HOME=$(find_jdk25); then
  cat >&2 <<MSG
impulse needs a JDK 25 or newer, and found none:
  JAVA_HOME=${JAVA_HOME:-<unset>} is not a JDK 25+, and /usr/lib/jvm has no *25* JDK with javac.
Install one, for example Temurin 25 (package temurin-25-jdk from Adoptium's apt repository) or
Debian's openjdk-25-jdk where your release has it, or point JAVA_HOME at a JDK 25.
MSG
  exit 1
fi
export JAVA_HOME
