package org.genblocks.spark;

import org.genblocks.tensor.Shapes;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Executor hygiene for genblocks jobs.
 *
 * <p><b>Threads.</b> Every genblocks task sets OpenMP's thread count of its thread, and the first
 * task of an executor JVM sets libnd4j's op threads ({@code maxMasterThreads}) and OpenBLAS's threads,
 * to the task's {@code spark.task.cpus} ({@link TaskContext#cpus()}), so {@code k} concurrent tasks on a
 * {@code k}-core executor do not start {@code k × cores} native threads that spin against each other.
 *
 * <p><b>Off-heap memory.</b> ND4J keeps tensors off the Java heap, in memory JavaCPP counts against
 * {@code org.bytedeco.javacpp.maxbytes} (default: the heap size {@code -Xmx}, that is
 * {@code spark.executor.memory}). On YARN and Kubernetes, memory outside the heap must fit in
 * {@code spark.executor.memoryOverhead} (default {@code max(384 MiB, 0.1 × spark.executor.memory)}),
 * or the container is killed with no Java error. {@link #checkOffHeap(SparkConf)} runs on the driver
 * before a job starts and refuses a configuration whose {@code maxbytes} exceeds the overhead.
 */
public final class ExecutorSetup {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorSetup.class);
    private static final long MIB = 1L << 20;
    private static final Pattern MAXBYTES = Pattern.compile("-Dorg\\.bytedeco\\.javacpp\\.maxbytes=(\\S+)");
    private static volatile boolean threadsSet;

    private ExecutorSetup() {
    }

    /**
     * Called by every genblocks task before it touches ND4J: the first call in a JVM sets the native
     * thread pools to {@code spark.task.cpus}; later calls return at once.
     */
    static void onTask() {
        TaskContext tc = TaskContext.get();
        int cpus = tc == null ? 1 : Math.max(1, tc.cpus());
        // OpenMP's thread count is a per-thread setting: set it on every task's thread (one native call)
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(cpus);
        if (threadsSet) {
            return;
        }
        synchronized (ExecutorSetup.class) {
            if (threadsSet) {
                return;
            }
            // libnd4j's own thread pool splits an op over maxMasterThreads; OpenBLAS has one process-wide count
            Nd4j.getEnvironment().setMaxMasterThreads(cpus);
            Nd4j.factory().blas().setMaxThreads(cpus);
            LOG.info("genblocks executor: ND4J and BLAS threads set to spark.task.cpus = {}", cpus);
            threadsSet = true;
        }
    }

    /**
     * Checks the executors' off-heap sizing on the driver: with a cluster master (not {@code local}),
     * JavaCPP's {@code maxbytes} must fit in the executor's memory overhead.
     *
     * @throws IllegalArgumentException naming both settings, their values and the fix
     */
    public static void checkOffHeap(SparkConf conf) {
        Shapes.checkNotNull("conf", conf, "a SparkConf");
        String master = conf.get("spark.master", "local");
        if (master.startsWith("local")) {
            LOG.debug("off-heap check skipped: master {} runs in this JVM", master);
            return;
        }
        long heap = bytes(conf.get("spark.executor.memory", "1g"), MIB);
        long overhead = overheadBytes(conf, heap);
        long maxBytes = javacppMaxBytes(conf.get("spark.executor.extraJavaOptions", ""), heap);
        if (maxBytes > overhead) {
            throw new IllegalArgumentException("spark.executor.memoryOverhead: expected at least the off-heap limit of ND4J"
                    + " (org.bytedeco.javacpp.maxbytes = " + mib(maxBytes) + " MiB"
                    + (conf.get("spark.executor.extraJavaOptions", "").contains("maxbytes") ? "" : ", its default: the executor heap")
                    + "), got " + mib(overhead) + " MiB; the container would be killed when ND4J's tensors grow. Set"
                    + " spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.maxbytes=<M>m and"
                    + " spark.executor.memoryOverhead=<M + 512>m (docs/spark.md, \"Memory\")");
        }
        LOG.info("off-heap: ND4J may use {} MiB, executor memory overhead {} MiB", mib(maxBytes), mib(overhead));
    }

    /** {@code spark.executor.memoryOverhead}, or Spark's default {@code max(384 MiB, factor × heap)}. */
    static long overheadBytes(SparkConf conf, long heap) {
        String set = conf.get("spark.executor.memoryOverhead", null);
        if (set != null) {
            return bytes(set, MIB);
        }
        double factor = Double.parseDouble(conf.get("spark.executor.memoryOverheadFactor", "0.1"));
        long min = bytes(conf.get("spark.executor.minMemoryOverhead", "384m"), MIB);
        return Math.max(min, (long) (factor * heap));
    }

    /** {@code -Dorg.bytedeco.javacpp.maxbytes} in the executors' Java options, else the heap (JavaCPP's default). */
    static long javacppMaxBytes(String javaOptions, long heap) {
        Matcher m = MAXBYTES.matcher(javaOptions == null ? "" : javaOptions);
        return m.find() ? bytes(m.group(1), 1) : heap;
    }

    /** A size such as {@code 4g}, {@code 512m}, {@code 1024k} or a plain number of {@code unit}s. */
    static long bytes(String size, long unit) {
        String s = size.trim().toLowerCase(Locale.ROOT);
        Matcher m = Pattern.compile("(\\d+)([kmgt]?)b?").matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("size: expected a number with an optional k/m/g/t suffix, got '" + size + "'");
        }
        long v = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "k" -> v << 10;
            case "m" -> v << 20;
            case "g" -> v << 30;
            case "t" -> v << 40;
            default -> v * unit;
        };
    }

    private static long mib(long b) {
        return b / MIB;
    }
}
