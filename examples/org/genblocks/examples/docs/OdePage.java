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
 * The code of docs/ode.md as one program: every Java block of that page is a fragment of this file,
 * which compiles with the examples; {@code DocsSnippetsTest} checks that each block still appears here.
 * The sizes are the page's; the program is compiled in every build, not run by the tests.
 */
public final class OdePage {
    private OdePage() {
    }

    public static void main(String[] args) {
        INDArray x0 = Nd4j.randn(DataType.DOUBLE, 100, 2);
        VectorField f = (x, t) -> x.neg();                       // any lambda
        Solution s = OdeSolver.heun().solve(f, x0, TimeGrid.sampling(20), true);   // t: 1 -> 0
        s.state(); s.evaluations(); s.trajectory();              // final state, NFE = 40, states at the 21 grid points
        
        Solution a = DormandPrince.builder().rtol(1e-5).atol(1e-5).maxSteps(500).build()
                .solve(f, x0, TimeGrid.uniform(0, 1, 1));
        if (!a.isSuccess()) { /* STEP_BUDGET_EXHAUSTED: a.state() throws; a.partialState() is the last accepted state at a.time() */ }
        likelihood((x, t) -> x.neg(), x0);
    }

    static void likelihood(VectorField field, INDArray x) {
        Likelihood.Result r = Likelihood.of(field)
                .divergence(Divergence.exact())                    // or hutchinson(Probe.RADEMACHER, k, seed)
                .solver(OdeSolver.rk4(), TimeGrid.uniform(0, 1, 100))
                .build().logProb(x);                               // r.logProb() [N], r.noise(), evaluations
    }
}
