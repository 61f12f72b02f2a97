#!/usr/bin/env bash
# Runs a main class of the Spark module (its example or its benchmark) on the module's test class path,
# built by the reactor from this checkout: nothing needs to be installed into ~/.m2 first.
#   spark/run.sh org.genblocks.examples.spark.SparkMoons --steps 600 --out out/spark
#   spark/run.sh org.genblocks.spark.bench.ShardedSamplingThroughput 20000 3
set -euo pipefail
main="$1"; shift
cd "$(dirname "$0")/.."
mvn -B -q -f reactor test-compile dependency:build-classpath -Dmdep.outputFile=target/spark.cp -Dmdep.includeScope=test
cp="spark/target/test-classes:spark/target/classes:target/classes:$(cat spark/target/spark.cp)"
OMP_WAIT_POLICY=passive OPENBLAS_THREAD_TIMEOUT=4 java --add-modules jdk.incubator.vector -Xmx3g \
  -Dlog4j2.configurationFile=spark/src/test/resources/log4j2-test.properties \
  -cp "$cp" "$main" "$@"
