#!/usr/bin/env bash
# Sharded sampling throughput, local[1] against local[2] (docs/performance.md). Not part of `mvn test`.
# Usage: spark/bench/run.sh [samples] [repetitions]
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -B -q -f reactor test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
cp="spark/target/test-classes:spark/target/classes:target/classes:$(cat spark/target/bench.cp)"
OMP_WAIT_POLICY=passive OPENBLAS_THREAD_TIMEOUT=4 java --add-modules jdk.incubator.vector -Xmx3g \
  -Dlog4j2.configurationFile=spark/src/test/resources/log4j2-test.properties \
  -cp "$cp" org.genblocks.spark.bench.ShardedSamplingThroughput "$@"
