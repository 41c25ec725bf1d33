# Sourced by scripts/mvn: exports MVNW_REPOURL, the repository the Maven wrapper downloads Maven from.
# An MVNW_REPOURL you set wins; otherwise it is the central repository named by the super POM of the
# Maven installed on this machine, so no registry address is written into this repository.
if [ -z "${MVNW_REPOURL:-}" ]; then
  mvn_bin=$(command -v mvn || true)
  builder_jar=""
  if [ -n "$mvn_bin" ]; then
    builder_jar=$(ls "$(dirname "$(readlink -f "$mvn_bin")")"/../lib/maven-model-builder-*.jar 2>/dev/null | head -n 1)
  fi
  if [ -n "$builder_jar" ]; then
    MVNW_REPOURL=$(unzip -p "$builder_jar" org/apache/maven/model/pom-4.0.0.xml \
      | sed -n 's:.*<url>\(.*\)</url>.*:\1:p' | head -n 1)
  fi
  if [ -z "${MVNW_REPOURL:-}" ]; then
    echo "Cannot tell which Maven repository to fetch Maven from: install Debian's maven package" >&2
    echo "(scripts/install-deps does) or set MVNW_REPOURL to your repository's base URL." >&2
    exit 1
  fi
fi
export MVNW_REPOURL
