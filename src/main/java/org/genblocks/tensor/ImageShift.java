package org.genblocks.tensor;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Translations of images by whole pixels, padded with zeros: the random-shift augmentation of a training batch
 * (Simard et al. 2003 used small distortions of MNIST digits the same way). For a likelihood model, shifts by up
 * to {@code m} pixels turn the data density p into the mixture of its {@code (2m+1)²} translated copies, which is
 * at least {@code p/(2m+1)²} everywhere: the best model of the shifted data is at most {@code log₂((2m+1)²)} bits
 * per image worse on unshifted data than the best model of the data itself (0.004 bits/dim on MNIST for m = 1),
 * while a fully connected model, which has no translation symmetry of its own, sees many more distinct images.
 */
public final class ImageShift {
    private ImageShift() {
    }

    /**
     * {@code images} [N, H, W] or [N, C, H, W] with image {@code i} moved {@code dy[i]} rows down and {@code dx[i]}
     * columns right (negative: up, left); what moves out is lost, what moves in is 0. A new array of the same shape
     * and type.
     */
    public static INDArray shift(INDArray images, int[] dy, int[] dx) {
        Shapes.requireNonNull("images", images);
        if (images.rank() != 3 && images.rank() != 4) {
            throw new IllegalArgumentException("images: expected [N, H, W] or [N, C, H, W], got " + Shapes.format(images.shape()));
        }
        long n = images.size(0);
        Shapes.checkNotNull("dy", dy, "one row shift per image");
        Shapes.checkNotNull("dx", dx, "one column shift per image");
        if (dy.length != n || dx.length != n) {
            throw new IllegalArgumentException("dy/dx: expected one shift per image (" + n + "), got " + dy.length + " and " + dx.length);
        }
        long h = images.size(-2);
        long w = images.size(-1);
        INDArray out = images.ulike();
        for (int i = 0; i < n; i++) {
            if (Math.abs(dy[i]) >= h || Math.abs(dx[i]) >= w) {
                continue;   // nothing of the image stays in the frame
            }
            INDArrayIndex[] to = new INDArrayIndex[images.rank()];
            INDArrayIndex[] from = new INDArrayIndex[images.rank()];
            to[0] = NDArrayIndex.point(i);
            from[0] = NDArrayIndex.point(i);
            if (images.rank() == 4) {
                to[1] = NDArrayIndex.all();
                from[1] = NDArrayIndex.all();
            }
            int r = images.rank();
            to[r - 2] = NDArrayIndex.interval(Math.max(0, dy[i]), h + Math.min(0, dy[i]));
            from[r - 2] = NDArrayIndex.interval(Math.max(0, -dy[i]), h + Math.min(0, -dy[i]));
            to[r - 1] = NDArrayIndex.interval(Math.max(0, dx[i]), w + Math.min(0, dx[i]));
            from[r - 1] = NDArrayIndex.interval(Math.max(0, -dx[i]), w + Math.min(0, -dx[i]));
            out.get(to).assign(images.get(from));
        }
        return out;
    }

    /**
     * Every image moved by its own shift, uniform in {@code {−maxShift, …, maxShift}} rows and then columns, drawn
     * from {@code rng} image by image ({@code maxShift = 0} returns a copy without drawing).
     */
    public static INDArray random(INDArray images, int maxShift, Rng rng) {
        Shapes.requireNonNull("images", images);
        if (maxShift < 0) {
            throw new IllegalArgumentException("maxShift: expected >= 0 pixels, got " + maxShift);
        }
        Shapes.checkNotNull("rng", rng, "an Rng");
        int n = (int) images.size(0);
        int[] dy = new int[n];
        int[] dx = new int[n];
        if (maxShift > 0) {
            for (int i = 0; i < n; i++) {
                dy[i] = rng.nextInt(2 * maxShift + 1) - maxShift;
                dx[i] = rng.nextInt(2 * maxShift + 1) - maxShift;
            }
        }
        return shift(images, dy, dx);
    }
}
