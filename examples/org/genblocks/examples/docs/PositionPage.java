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
 * The code of docs/position.md as one program: every Java block of that page is a fragment of this file,
 * which compiles with the examples; {@code DocsSnippetsTest} checks that each block still appears here.
 * The sizes are the page's; the program is compiled in every build, not run by the tests.
 */
public final class PositionPage {
    private PositionPage() {
    }

    public static void main(String[] args) {
        int cacheLength = 12;
        int newTokens = 4;
        INDArray q = Nd4j.randn(DataType.FLOAT, 1, 2, newTokens, 64);
        INDArray k = Nd4j.randn(DataType.FLOAT, 1, 2, newTokens, 64);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1, 2, 6, 64);
        Rope rope = Rope.of(64, RopeLayout.HALF);                 // base 10000, full rotary
        Rope neox = Rope.builder(64).layout(RopeLayout.HALF).rotaryFraction(0.25).build();
        Rope llama3 = Rope.builder(128).layout(RopeLayout.HALF).base(500_000)
                .llama3(8, 1, 4, 8192).build();
        
        RopeTable t = rope.table(Rope.range(cacheLength, newTokens));   // positions cacheLength …
        rope.applyInPlace(q, t);                                          // q [N, heads, seq, 64]
        rope.applyInPlace(k, t);
        INDArray y = rope.apply(x, 0, 1, 2, 0, 1);                        // a copy; packed positions
        int heads = 2;
        int headDim = 64;
        int rotaryDim = 64;
        INDArray wq = Nd4j.randn(DataType.FLOAT, heads * headDim, 128);
        INDArray wqHalf = RopeLayout.convertQkRows(wq, 0, heads, headDim, rotaryDim,
                RopeLayout.INTERLEAVED, RopeLayout.HALF);   // axis 0: PyTorch [out, in]; 1: nn.Linear [in, out]
        SameDiff sd = SameDiff.create();
        graphs(rope, sd, sd.placeHolder("q", DataType.FLOAT, -1, 2, 6, 64), sd.constant(Nd4j.arange(6)),
                sd.constant(rope.table(Rope.range(0, 6)).expandedCos(DataType.FLOAT)),
                sd.constant(rope.table(Rope.range(0, 6)).expandedSin(DataType.FLOAT)));
        axial(4, 4, Nd4j.randn(DataType.FLOAT, 1, 2, 16, 128));
    }

    static void graphs(Rope rope, SameDiff sd, SDVariable q, SDVariable positions, SDVariable cosVar, SDVariable sinVar) {
        SDVariable qr = rope.apply(sd, q, positions, Rope.Target.QUERY);   // positions [S] or [N, S]
        SDVariable qr2 = rope.apply(sd, q, cosVar, sinVar);                 // RopeTable.expandedCos/Sin
    }

    static void axial(int h, int w, INDArray q) {
        AxialRope rope = AxialRope.of(128, new int[]{16, 56, 56}, 10_000, RopeLayout.INTERLEAVED);
        double[][] ids = rope.gridPositions(h, w, 0);   // (0, row, column) per patch, row-major
        INDArray qr = rope.apply(q, ids);                // q [N, heads, h·w, 128]
    }
}
