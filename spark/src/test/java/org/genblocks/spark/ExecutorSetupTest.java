package org.genblocks.spark;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The off-heap check: JavaCPP's maxbytes against the executors' memory overhead. */
class ExecutorSetupTest {

    @Test
    void sparksDefaultsOnAClusterAreRefusedWithBothSettingsNamed() {
        SparkConf conf = new SparkConf(false).set("spark.master", "yarn").set("spark.executor.memory", "8g");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExecutorSetup.checkOffHeap(conf));
        // maxbytes defaults to the heap (8192 MiB); the overhead to max(384 MiB, 0.1 x 8 GiB) = 819 MiB
        assertTrue(e.getMessage().contains("spark.executor.memoryOverhead"), e.getMessage());
        assertTrue(e.getMessage().contains("maxbytes = 8192 MiB"), e.getMessage());
        assertTrue(e.getMessage().contains("got 819 MiB"), e.getMessage());
    }

    @Test
    void anOverheadThatCoversMaxbytesPasses() {
        SparkConf conf = new SparkConf(false).set("spark.master", "k8s://https://example:6443")
                .set("spark.executor.memory", "8g").set("spark.executor.memoryOverhead", "5g")
                .set("spark.executor.extraJavaOptions", "-Xss4m -Dorg.bytedeco.javacpp.maxbytes=4G");
        assertDoesNotThrow(() -> ExecutorSetup.checkOffHeap(conf));
        assertThrows(IllegalArgumentException.class, () -> ExecutorSetup.checkOffHeap(
                conf.clone().set("spark.executor.memoryOverhead", "3g")));
    }

    @Test
    void localMastersRunInTheDriverJvmAndAreNotChecked() {
        assertDoesNotThrow(() -> ExecutorSetup.checkOffHeap(new SparkConf(false).set("spark.master", "local[2]")
                .set("spark.executor.memory", "8g")));
    }

    @Test
    void aTaskSetsNd4jAndBlasThreadsToSparkTaskCpus() {
        // local[2,4] runs tasks with spark.task.cpus = 1 (the default) in this JVM
        SparkSampling.of(LocalSpark.sc(), ShippedModel.of(SparkSamplingTest.rf(31), SparkSamplingTest.RF)).chunk(10)
                .partitions(2).sample(20, 1);
        assertEquals(1, org.nd4j.linalg.factory.Nd4j.getEnvironment().maxMasterThreads());
        assertEquals(1, org.nd4j.linalg.factory.Nd4j.factory().blas().getMaxThreads());
    }

    @Test
    void sizesParseLikeSparks() {
        assertEquals(4L << 30, ExecutorSetup.bytes("4G", 1));
        assertEquals(512L << 20, ExecutorSetup.bytes("512m", 1 << 20));
        assertEquals(384L << 20, ExecutorSetup.bytes("384", 1 << 20));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExecutorSetup.bytes("4 GB!", 1));
        assertTrue(e.getMessage().contains("4 GB!"), e.getMessage());
    }
}
