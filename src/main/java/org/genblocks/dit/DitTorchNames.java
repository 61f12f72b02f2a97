package org.genblocks.dit;

import org.genblocks.tensor.Shapes;
import org.genblocks.attention.Attention;
import org.genblocks.attention.AttentionTorchNames;
import org.genblocks.io.TorchNameMap;
import org.genblocks.nn.Activation;
import org.genblocks.nn.Mlp;

/**
 * The {@link TorchNameMap} of a {@link DitBlock} against the {@code DiTBlock} of Peebles and Xie's reference
 * implementation (facebookresearch/DiT, {@code models.py}; "Scalable Diffusion Models with Transformers",
 * ICCV 2023):
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>PyTorch</th><th>shape</th><th>genblocks</th></tr>
 *   <tr><td>{@code norm1}, {@code norm2}</td><td>none ({@code elementwise_affine=False}, eps 1e-6)</td>
 *       <td>the parameter-free norm of {@code adaLN}</td></tr>
 *   <tr><td>{@code attn.qkv.weight}, {@code .bias}</td><td>{@code [3D, D]}, {@code [3D]}</td>
 *       <td>{@code attn.q/k/v.weight} (transposed), {@code .bias}</td></tr>
 *   <tr><td>{@code attn.proj.weight}, {@code .bias}</td><td>{@code [D, D]}, {@code [D]}</td><td>{@code attn.o}</td></tr>
 *   <tr><td>{@code mlp.fc1}, {@code mlp.fc2}</td><td>{@code [rD, D]}, {@code [D, rD]}</td>
 *       <td>{@code mlp.layers.0}, {@code mlp.layers.1}</td></tr>
 *   <tr><td>{@code adaLN_modulation.1.weight}, {@code .bias}</td><td>{@code [6D, D]}, {@code [6D]}</td>
 *       <td>{@code adaLN.modulation} (chunks shift, scale, gate of attention, then of the MLP: the same order)</td></tr>
 * </table>
 *
 * The reference block computes the same function as a {@code DitBlock} built with
 * {@code qkNorm(false)}, {@code mlpActivation(Activation.GELU_TANH)} and {@code SINCOS_2D} positions (the
 * reference adds its sin-cos table before the first block, so the block itself sees no positions).
 */
public final class DitTorchNames {
    private DitTorchNames() {
    }

    /**
     * The map of one block of {@code config}.
     *
     * @throws IllegalArgumentException when the block has parameters the reference lacks (QK-norm) or its
     *                                  function differs (axial RoPE, an MLP activation other than GELU_TANH)
     */
    public static TorchNameMap referenceBlock(DitConfig config) {
        Shapes.checkNotNull("config", config, "a DitConfig");
        if (config.qkNorm()) {
            throw new IllegalArgumentException("config: the reference DiTBlock has no QK-norm; build the config with "
                    + "qkNorm(false)");
        }
        if (config.mlpActivation() != Activation.GELU_TANH) {
            throw new IllegalArgumentException("config: the reference DiTBlock's MLP uses GELU(approximate=\"tanh\"); "
                    + "expected mlpActivation(GELU_TANH), got " + config.mlpActivation());
        }
        if (config.position() != PositionEncoding.SINCOS_2D) {
            throw new IllegalArgumentException("config: the reference DiTBlock has no RoPE (positions are a sin-cos "
                    + "table added before the blocks); expected SINCOS_2D, got " + config.position());
        }
        DitBlock block = new DitBlock(config);
        return TorchNameMap.builder()
                .include("attn", "attn", AttentionTorchNames.timmAttention((Attention) block.children().get("attn")))
                .include("mlp", "mlp", TorchNameMap.timmMlp((Mlp) block.children().get("mlp")))
                .linear("adaLN.modulation", "adaLN_modulation.1", true)
                .build();
    }
}
