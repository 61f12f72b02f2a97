package org.genblocks.examples.docs;

import org.genblocks.*;
import org.genblocks.attention.*;
import org.genblocks.data.*;
import org.genblocks.diffusion.*;
import org.genblocks.dit.*;
import org.genblocks.flow.*;
import org.genblocks.io.*;
import org.genblocks.metrics.*;
import org.genblocks.nn.*;
import org.genblocks.ode.*;
import org.genblocks.position.*;
import org.genblocks.rf.*;
import org.genblocks.tensor.*;
import org.genblocks.train.*;
import org.genblocks.viz.*;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The code of docs/attention.md as one program: every Java block of that page is a fragment of this file,
 * which compiles with the examples; {@code DocsSnippetsTest} checks that each block still appears here.
 * The sizes are the page's; the program is compiled in every build, not run by the tests.
 */
public final class AttentionPage {
    private AttentionPage() {
    }

    public static void main(String[] args) {
        int n = 2;
        int L = 16;
        INDArray x = Nd4j.randn(DataType.FLOAT, n, L, 512);
        int[] lengths = {16, 9};
        Attention llamaLike = Attention.builder(512, 8).kvHeads(2)             // GQA, 4 query heads per kv head
                .rope(Rope.builder(64).layout(RopeLayout.HALF).base(500_000).build())
                .causal().projectionBias(false).outputBias(false).build();
        Attention sd3 = Attention.builder(1536, 24).qkNorm().build();          // DiT-style, non-causal
        Attention cross = Attention.builder(512, 8).crossAttention(768).build(); // q from x, k/v from text
        Attention alibi = Attention.builder(512, 12).alibi().causal().build();
        Attention t5 = Attention.builder(512, 8).t5Bias(T5Buckets.defaults(true)).scale(1.0).build();
        Attention local = Attention.builder(512, 8).mask(AttentionMask.window(127, 0)).build();
        
        Params p = llamaLike.init(42);                   // trainable through the module layer
        AttentionFunction f = llamaLike.function(p);     // inference
        INDArray y = f.apply(x);                         // x [N, L, 512]
        INDArray yp = f.apply(x, null, Masks.additive(Masks.padding(lengths, L, L), DataType.FLOAT), null);
        INDArray prompt = Nd4j.randn(DataType.FLOAT, n, 8, 512);
        INDArray token = Nd4j.randn(DataType.FLOAT, n, 1, 512);
        KvCache cache = llamaLike.cache(p);
        INDArray first = cache.append(prompt);     // [N, P, dim]: positions 0 … P−1
        INDArray next = cache.append(token);       // [N, 1, dim]: position P, attends to all P + 1 keys
    }

    /** Inside a module's forward pass: x [N, 16, 64] image tokens, c [N, 8, 32] text tokens. */
    static SDVariable[] joint(Scope scope, SDVariable x, SDVariable c) {
        int dimImage = 64;
        int dimText = 32;
        int heads = 4;
        int headDim = 16;
        JointAttention j = new JointAttention(dimImage, dimText, heads, headDim, true, null);  // SD3
        SDVariable[] y = j.attend(scope, x, c, null);   // {image output, context output}
        return y;
    }
}
