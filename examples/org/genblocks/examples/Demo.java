package org.genblocks.examples;

/**
 * The main demo, run by the first README command ({@code mvn -q test-compile exec:java}).
 * It grows into the rectified-flow demo once that lands; for now it shows the tensor layer.
 */
public final class Demo {
    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        TensorBasics.main(args);
    }
}
