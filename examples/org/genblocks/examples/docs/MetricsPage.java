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
 * The code of docs/metrics.md as one program: every Java block of that page is a fragment of this file,
 * which compiles with the examples; {@code DocsSnippetsTest} checks that each block still appears here.
 * The sizes are the page's; the program is compiled in every build, not run by the tests.
 */
public final class MetricsPage {
    private MetricsPage() {
    }

    public static void main(String[] args) {
        INDArray samples = GenBlocks.moons().sample(1000, 1);
        INDArray data = GenBlocks.moons().sample(1000, 2);
        double u = Mmd.rbf(0.5, 1.0, 2.0).mmd2(samples, data);
        double b = Mmd.rbfMedian(samples, data, 0.5, 1, 2).biased().mmd2(samples, data);   // median heuristic
        INDArray dirs = Rng.seed(3).normal(DataType.DOUBLE, 64, 2);
        double sw2 = SlicedWasserstein.of(samples, data, 256, 7);          // p = 2, 256 directions, seed 7
        double sw1 = SlicedWasserstein.withDirections(samples, data, 1, dirs);
    }
}
