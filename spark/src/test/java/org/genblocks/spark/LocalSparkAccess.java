package org.genblocks.spark;

import org.apache.spark.sql.SparkSession;

/** The tests' shared local Spark for test classes outside this package (the example's smoke test). */
public final class LocalSparkAccess {
    private LocalSparkAccess() {
    }

    /** {@link LocalSpark#session()}. */
    public static SparkSession session() {
        return LocalSpark.session();
    }
}
