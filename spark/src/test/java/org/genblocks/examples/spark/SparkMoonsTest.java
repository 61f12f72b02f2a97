package org.genblocks.examples.spark;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Smoke test of the Spark example: every stage runs, the figures are sane, the files are written. */
class SparkMoonsTest {
    @Test
    void theExampleRunsEveryStageAndWritesItsFiles(@TempDir Path dir) throws Exception {
        SparkSession spark = org.genblocks.spark.LocalSparkAccess.session();
        SparkMoons.Result r = SparkMoons.run(spark, 10, 200, dir);
        assertTrue(r.lastLoss() < r.firstLoss(), r.firstLoss() + " -> " + r.lastLoss());
        assertEquals(3, r.sweep().size());
        assertTrue(Double.isFinite(r.energyDistance()) && r.energyDistance() > 0);
        assertTrue(r.samplesPerSecond() > 0);
        assertTrue(Files.size(r.png()) > 1000);
        assertTrue(Files.isDirectory(r.samplesParquet()));
    }
}
