# Sourced by the project's scripts: exports JAVA_HOME pointing at a JDK 25 or newer.
# Looks, in order, at $DCN_JAVA_HOME, $JAVA_HOME, /usr/lib/jvm/temurin-25-jdk-amd64,
# then any /usr/lib/jvm/*-25* or newer; stops with the list of what it tried.

dcn_jdk_major() {  # prints the feature version of the JDK at $1, or nothing
  local rel="$1/release"
  [ -x "$1/bin/javac" ] && [ -r "$rel" ] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel"
}

dcn_find_jdk() {
  local tried=() cand major
  for cand in "${DCN_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$cand" ] || continue
    tried+=("$cand")
    major=$(dcn_jdk_major "$cand")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      export JAVA_HOME="$cand"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  {
    echo "diskcryptnet needs a JDK 25 or newer (Panama FFM), and found none."
    echo "Looked at (a JDK has bin/javac and a release file with JAVA_VERSION >= 25):"
    printf '  %s\n' "${tried[@]}"
    echo "Install Temurin 25 at /usr/lib/jvm/temurin-25-jdk-amd64, or point DCN_JAVA_HOME at one."
  } >&2
  return 1
}
