#!/usr/bin/env bash
# The authentication step alone (JMH, AuthBench): an API key and a cached JWT per request, with
# 10,000 consumers, and a JWT's full first check. Extra arguments go to JMH, e.g. -prof gc
set -euo pipefail
cd "$(dirname "$0")/.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
cp_file=target/bench-classpath.txt
./mvnw -q test-compile
./mvnw -q dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
"$JAVA_HOME/bin/java" -cp "target/test-classes:target/classes:$(cat "$cp_file")" \
    org.openjdk.jmh.Main AuthBench -f 1 -wi 3 -i 5 -w 1s -r 1s "$@"
