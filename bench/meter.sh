#!/usr/bin/env bash
# What metering costs a billed call on the event loop (JMH), with the ledger thread writing to
# SQLite meanwhile. Extra arguments go to JMH, e.g. bench/meter.sh -prof gc
set -euo pipefail
cd "$(dirname "$0")/.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
cp_file=target/bench-classpath.txt
./mvnw -q test-compile
./mvnw -q dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
"$JAVA_HOME/bin/java" -cp "target/test-classes:target/classes:$(cat "$cp_file")" \
    org.openjdk.jmh.Main MeterBench -f 1 -wi 3 -i 5 -w 1s -r 1s "$@"
