package org.genblocks.dit;

import org.genblocks.tensor.Shapes;
import org.genblocks.nn.Activation;
import org.genblocks.nn.Init;
import org.genblocks.nn.Linear;
import org.genblocks.nn.Block;
import org.genblocks.nn.Scope;
import org.genblocks.nn.SinusoidalTimeEmbedding;
import org.genblocks.position.Sinusoidal;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A class-conditional diffusion transformer (DiT; Peebles and Xie, "Scalable Diffusion Models with
 * Transformers", ICCV 2023) in miniature, with SD3's attention choices (QK-norm; Esser et al. 2024):
 * <pre>
 *   h = Linear(patchify(x))                          [N·T, p²C] → [N, T, D]   (+ 2-D sin-cos, if chosen)
 *   c = Mlp_t(sinusoidal(timeScale · t)) + E[label]   [N, D]   (E has classes + 1 rows: the last is "no class")
 *   h = DitBlock_k(h, c)  for k = 1..depth              AdaLN-Zero, attention (QK-norm, optional 2-D RoPE), MLP
 *   (shift, scale) = Linear₀(SiLU(c))                    zero init
 *   y = unpatchify(Linear₀(LN(h)(1 + scale) + shift))    zero init: y = 0 at initialisation
 * </pre>
 * {@code forward(scope, x [N, C, H, W], t [N], label [N] (INT32))} returns {@code [N, C, H, W]}: what it
 * predicts (a flow velocity, the EDM {@code F}) is decided by the objective it is trained with
 * ({@link org.genblocks.rf.FlowMatchingLoss}, {@link org.genblocks.diffusion.EdmLoss}). With every modulation and the final layer at zero the
 * network starts as the zero map and each block as the identity.
 */
public final class Dit extends Block {
    private final DitConfig config;
    private final Linear patchEmbed;
    private final SinusoidalTimeEmbedding timeFreq;
    private final Linear time1;
    private final Linear time2;
    private final List<DitBlock> blocks;
    private final Linear finalModulation;
    private final Linear finalLinear;

    /** The network for {@code config}. */
    public Dit(DitConfig config) {
        this.config = Shapes.checkNotNull("config", config, "a DitConfig");
        int d = config.dim();
        this.patchEmbed = child("patchEmbed", new Linear(config.patchValues(), d));
        this.timeFreq = child("timeFreq", new SinusoidalTimeEmbedding(d, 10_000, config.timeScale()));
        this.time1 = child("timeMlp.0", new Linear(d, d));
        this.time2 = child("timeMlp.1", new Linear(d, d));
        param("classEmbedding", Init.normal(0.02), config.classes() + 1L, d);
        List<DitBlock> b = new ArrayList<>();
        for (int i = 0; i < config.depth(); i++) {
            b.add(child("blocks." + i, new DitBlock(config)));
        }
        this.blocks = Collections.unmodifiableList(b);
        this.finalModulation = child("final.modulation", new Linear(d, 2L * d, true, Init.zeros(), Init.zeros()));
        this.finalLinear = child("final.linear", new Linear(d, config.patchValues(), true, Init.zeros(), Init.zeros()));
    }

    /** The configuration. */
    public DitConfig config() {
        return config;
    }

    /** The blocks. */
    public List<DitBlock> blocks() {
        return blocks;
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 3, "x [N, " + config.channels() + ", " + config.height() + ", "
                + config.width() + "], t [N], label [N] (INT32)");
        SameDiff sd = scope.sd();
        DataType dt = scope.dataType();
        int d = config.dim();
        int tokens = config.tokens();
        checkImage(scope.shape(inputs[0]));

        SDVariable patches = Patches.patchify(sd, inputs[0], config);
        SDVariable h = sd.reshape(scope.call(patchEmbed, patches), -1, tokens, d);
        SDVariable positions = null;
        if (config.position() == PositionEncoding.SINCOS_2D) {
            INDArray table = Sinusoidal.grid2d(d, config.gridHeight(), config.gridWidth(), dt);
            h = h.add(scope.name("withPositions"), scope.constant("positionTable", table));
        } else {
            positions = scope.constant("positions", gridPositions());
        }

        SDVariable t = sd.reshape(inputs[1], -1, 1);
        SDVariable temb = scope.call(time2, Activation.SILU.apply(scope, scope.call(time1, scope.call(timeFreq, t))));
        SDVariable label = sd.reshape(inputs[2], -1);
        SDVariable oneHot = sd.oneHot(label, config.classes() + 1, -1, 1.0, 0.0, dt);
        SDVariable c = temb.add(scope.name("conditioning"), oneHot.mmul(scope.param("classEmbedding")));

        for (DitBlock b : blocks) {
            h = b.usesPositions() ? scope.call(b, h, c, positions) : scope.call(b, h, c);
        }

        SDVariable mod = scope.call(finalModulation, Activation.SILU.apply(scope, c));
        SDVariable shift = mod.get(org.nd4j.autodiff.samediff.SDIndex.all(),
                org.nd4j.autodiff.samediff.SDIndex.interval(0, d));
        SDVariable scale = mod.get(org.nd4j.autodiff.samediff.SDIndex.all(),
                org.nd4j.autodiff.samediff.SDIndex.interval(d, 2 * d));
        SDVariable out = Tokens.modulate(scope, h, d, shift, scale);
        SDVariable y = scope.call(finalLinear, sd.reshape(out, -1, d));
        return sd.identity(scope.name("output"), Patches.unpatchify(sd, y, config));
    }

    /** {@code [T, 2]} (row, column) of each token, row-major. */
    INDArray gridPositions() {
        int gh = config.gridHeight();
        int gw = config.gridWidth();
        double[][] p = new double[gh * gw][];
        for (int r = 0; r < gh; r++) {
            for (int q = 0; q < gw; q++) {
                p[r * gw + q] = new double[]{r, q};
            }
        }
        return Nd4j.createFromArray(p);
    }

    private void checkImage(long[] s) {
        if (s == null) {
            return;
        }
        boolean ok = s.length == 4 && (s[1] < 0 || s[1] == config.channels()) && (s[2] < 0 || s[2] == config.height())
                && (s[3] < 0 || s[3] == config.width());
        if (!ok) {
            throw new IllegalArgumentException("x: Dit expects images [N, " + config.channels() + ", " + config.height()
                    + ", " + config.width() + "], got " + org.genblocks.tensor.Shapes.format(s));
        }
    }

    @Override
    public String toString() {
        return "Dit(" + config + ", " + parameterCount() + " parameters)";
    }
}
