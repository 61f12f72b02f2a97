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
 * The code of docs/viz.md as one program: every Java block of that page is a fragment of this file,
 * which compiles with the examples; {@code DocsSnippetsTest} checks that each block still appears here.
 * The sizes are the page's; the program is compiled in every build, not run by the tests.
 */
public final class VizPage {
    private VizPage() {
    }

    public static void main(String[] args) {
        INDArray data = GenBlocks.moons().sample(500, 1);
        INDArray samples = GenBlocks.moons().sample(500, 2);
        INDArray trajectory = Nd4j.randn(DataType.FLOAT, 5, 50, 2);
        INDArray digits = Mnist.bundled().subset(0, 64).images();
        double[] nfe = {2, 4, 8, 16};
        double[] errEuler = {1, 0.5, 0.25, 0.125};
        double[] errHeun = {0.5, 0.125, 0.03, 0.008};
        ScatterPlot.dataVsSamples(data, samples)                 // [N, 2] each
                .title("moons, 20 Heun steps")
                .writePng(Path.of("out/moons.png"));
        
        TrajectoryPlot.of(trajectory)                            // [steps, N, 2]
                .points("data", data, Palette.SKY)
                .alpha(0.4)
                .writePng(Path.of("out/paths.png"));
        
        ImageGrid.of(digits)                                     // [64, 1, 28, 28] in [0, 1]
                .columns(8)
                .title("64 digits")
                .writePng(Path.of("out/digits.png"));
        
        LinePlot.create()
                .series("Euler", nfe, errEuler).series("Heun", nfe, errHeun)
                .markers(true)
                .xAxis(Axis.log().label("NFE")).yAxis(Axis.log().label("error"))
                .scale(2)                                        // 2x pixels: sharp text on high-density screens
                .writePng(Path.of("out/error-vs-nfe.png"));
    }
}
