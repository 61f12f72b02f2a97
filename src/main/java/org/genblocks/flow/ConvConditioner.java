package org.genblocks.flow;

import org.genblocks.nn.Init;
import org.genblocks.nn.Block;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The network of a coupling layer on images {@code [N, C, H, W]}, as in Glow (Kingma and
 * Dhariwal 2018, §3.3 and its code): conv 3x3 → ReLU → conv 1x1 → ReLU → conv 3x3, "same"
 * padding. With {@code zeroLast} the last convolution starts at zero ("Conv2dZeros"), so a fresh
 * affine coupling with an exp-type scale is the identity map.
 *
 * <p>Parameters {@code convN.weight [kH, kW, inC, outC]} and {@code convN.bias [outC]}. Inputs
 * {@code (xa)} or {@code (xa, context)}: a context {@code [N, K]} is broadcast over the image and
 * appended as K extra input channels (declare {@code contextDims = K}).
 */
public final class ConvConditioner extends Block {
    private final long contextDims;
    private final long height;
    private final long width;
    private final Conv c1;
    private final Conv c2;
    private final Conv c3;

    /**
     * @param inChannels  conditioning channels
     * @param contextDims context features broadcast as extra channels (0 for none)
     * @param hidden      hidden channels (Glow: 512)
     * @param outChannels output channels
     * @param height      image height (for broadcasting the context)
     * @param width       image width
     * @param zeroLast    whether the last convolution starts at zero
     */
    public ConvConditioner(long inChannels, long contextDims, long hidden, long outChannels, long height, long width,
                           boolean zeroLast) {
        if (inChannels <= 0 || hidden <= 0 || outChannels <= 0 || contextDims < 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("inChannels/hidden/outChannels/height/width: expected > 0 (contextDims >= 0), got inChannels="
                    + inChannels + ", hidden=" + hidden + ", outChannels=" + outChannels + ", height=" + height
                    + ", width=" + width + ", contextDims=" + contextDims);
        }
        this.contextDims = contextDims;
        this.height = height;
        this.width = width;
        this.c1 = child("conv1", new Conv(inChannels + contextDims, hidden, 3, false));
        this.c2 = child("conv2", new Conv(hidden, hidden, 1, false));
        this.c3 = child("conv3", new Conv(hidden, outChannels, 3, zeroLast));
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        SameDiff sd = scope.sd();
        SDVariable h = withContext(scope, inputs[0], inputs.length < 2 ? null : inputs[1], contextDims, height, width);
        h = sd.nn().relu(scope.call(c1, h), 0.0);
        h = sd.nn().relu(scope.call(c2, h), 0.0);
        return scope.call(c3, h);
    }

    /**
     * {@code h [N, C, H, W]} with a context {@code [N, contextDims]} appended as {@code contextDims} constant channels
     * ({@code h} itself when {@code contextDims = 0}); a missing context is refused by name.
     */
    static SDVariable withContext(Scope scope, SDVariable h, SDVariable context, long contextDims, long height, long width) {
        if (contextDims == 0) {
            return h;
        }
        FlowOps.checkContext(scope, context, contextDims, "this conditioner");
        SameDiff sd = scope.sd();
        SDVariable c = context.reshape(-1, contextDims, 1, 1);
        SDVariable ones = sd.constant(Nd4j.ones(scope.dataType(), 1, 1, height, width));
        return sd.concat(1, h, c.mul(ones));
    }

    /** A "same"-padded stride-1 convolution, NCHW, weights [kH, kW, inC, outC]. */
    static final class Conv extends Block {
        private final long k;

        Conv(long in, long out, long k, boolean zero) {
            this.k = k;
            long fanIn = in * k * k;
            param("weight", zero ? Init.zeros() : Init.lecunUniform(fanIn), k, k, in, out);
            param("bias", zero ? Init.zeros() : Init.lecunUniform(fanIn), out);
        }

        @Override
        public SDVariable forward(Scope scope, SDVariable... inputs) {
            Conv2DConfig cfg = Conv2DConfig.builder().kH(k).kW(k).sH(1).sW(1).dH(1).dW(1)
                    .paddingMode(PaddingMode.SAME).dataFormat("NCHW").weightsFormat(WeightsFormat.YXIO).build();
            return scope.sd().cnn().conv2d(inputs[0], scope.param("weight"), scope.param("bias"), cfg);
        }
    }
}
