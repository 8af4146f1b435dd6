# Sourced by ./donna and .ci/run: points JAVA_HOME at a JDK 21 or newer, or stops with a clear message.
# Order: $JAVA_HOME if it is 21+, then the newest 21+ JDK under /usr/lib/jvm (or /Library/Java on macOS),
# then the java on PATH.

donna_java_feature() { # prints the feature version of the java binary $1 (e.g. 17, 21, 25), or 0
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; found=1} END {if (!found) print 0}' | sed 's/^1\.//'
}

donna_find_jdk() {
  local candidate best="" best_version=0 v
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    v=$(donna_java_feature "$JAVA_HOME/bin/java")
    if [ "$v" -ge 21 ]; then return 0; fi
    echo "note: JAVA_HOME=$JAVA_HOME is Java $v; looking for a JDK 21+ elsewhere" >&2
  fi
  for candidate in /usr/lib/jvm/*/ /Library/Java/JavaVirtualMachines/*/Contents/Home/; do
    [ -x "${candidate}bin/javac" ] || continue
    v=$(donna_java_feature "${candidate}bin/java")
    if [ "$v" -ge 21 ] && [ "$v" -gt "$best_version" ]; then best="${candidate%/}"; best_version=$v; fi
  done
  if [ -z "$best" ] && command -v javac >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    v=$(donna_java_feature "$candidate/bin/java")
    if [ "$v" -ge 21 ]; then best=$candidate; best_version=$v; fi
  fi
  if [ -z "$best" ]; then
    echo "Donna needs a JDK 21 or newer, and none was found (JAVA_HOME, /usr/lib/jvm, PATH)." >&2
    echo "Install one, e.g. 'apt-get install openjdk-21-jdk-headless' or Temurin 21+, then set JAVA_HOME to it." >&2
    return 1
  fi
  export JAVA_HOME="$best"
}

donna_find_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
