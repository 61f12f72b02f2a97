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
 * The code of docs/data.md as one program: every Java block of that page is a fragment of this file,
 * which compiles with the examples; {@code DocsSnippetsTest} checks that each block still appears here.
 * The sizes are the page's; the program is compiled in every build, not run by the tests.
 */
public final class DataPage {
    private DataPage() {
    }

    public static void main(String[] args) throws java.io.IOException {
        toys(GenBlocks.normalizingFlow(GenBlocks.neuralSplineFlow(2).build()).build());
        mnist();
    }

    static void toys(NormalizingFlow model) {
        INDArray x = Toy2d.checkerboard().sample(10_000, 42);               // float32 [10000, 2]
        INDArray xd = Toy2d.of("8gaussians").sample(10_000, 42, DataType.DOUBLE);
        double h = Toy2d.checkerboard().entropy().getAsDouble();              // ln 32
        INDArray logp = Toy2d.eightGaussians().logDensity(xd);                // [10000], exact
        double nllGap = -model.logProb(xd).meanNumber().doubleValue() - h;   // >= 0 up to MC noise
    }

    static void mnist() throws java.io.IOException {
        Mnist m = Mnist.bundled();                         // 9,000 digits from the class path
        Mnist.Split s = m.split(8000);                     // fixed: first 8000 train, last 1000 held out
        INDArray x = s.train().images();                   // float32 [8000, 1, 28, 28], k/255 in [0, 1]
        INDArray xq = s.train().dequantized(7);            // (k + u)/256, u ~ U[0,1), seeded per image
        INDArray raw = m.rawImages();                      // UINT8 [9000, 1, 28, 28]
        int[] y = m.labels();
        Mnist full = Mnist.load(Path.of("train-images-idx3-ubyte.gz"), Path.of("train-labels-idx1-ubyte.gz"));
    }
}
