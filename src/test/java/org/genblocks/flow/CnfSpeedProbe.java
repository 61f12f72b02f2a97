package org.genblocks.flow;

import org.genblocks.data.Toy2d;
import org.genblocks.nn.Params;
import org.genblocks.ode.Likelihood;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.TimeGrid;
import org.genblocks.train.LrSchedule;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;

public class CnfSpeedProbe {
    public static void main(String[] a) {
        int steps = Integer.parseInt(a[0]);
        int ode = Integer.parseInt(a[1]);
        String solver = a[2];
        boolean exact = a[3].equals("exact");
        int batch = Integer.parseInt(a[4]);
        double lr = Double.parseDouble(a[5]);
        Toy2d toy = Toy2d.of(a.length > 6 ? a[6] : "moons");
        CnfNetwork n = new CnfNetwork(2, java.util.Arrays.stream((a.length > 7 ? a[7] : "64,64,64").split(",")).mapToLong(Long::parseLong).toArray(), CnfNetwork.Nonlinearity.TANH);
        Params p = n.init(1);
        CnfObjective o = new CnfObjective(n, OdeSolver.fixedStep(solver), TimeGrid.uniform(0, 1, ode),
                exact ? CnfObjective.Trace.exact() : CnfObjective.Trace.hutchinson(org.genblocks.ode.Probe.RADEMACHER, 1));
        INDArray data = toy.sample(20000, 1);
        INDArray held = toy.sample(2000, 2);
        long t0 = System.nanoTime();
        Trainer tr = new Trainer();
        long[] t5 = {0};
        tr.addListener((st, loss, lrr) -> { if (st == 4) t5[0] = System.nanoTime(); });
        TrainResult r = tr.fit(n, p, o, o.source(data, batch), TrainConfig.adam(lr).steps(steps).batch(batch).seed(4)
                .schedule(LrSchedule.warmupCosine(20, steps, 0.05)).logEvery(100));
        long t1 = System.nanoTime();
        double[] l = r.losses();
        for (int i = 0; i < l.length; i += Math.max(1, l.length / 20)) System.out.printf("step %d loss %.4f%n", i, l[i]);
        System.out.printf("train %.1f s (%.1f ms/step after step 5)%n", (t1 - t0) / 1e9, (t1 - t5[0]) / 1e6 / (steps - 5));
        CnfField f = new CnfField(n, p);
        double nllTrainGrid = -o.logProb(p, held, 0).meanNumber().doubleValue();
        double nll = -Likelihood.of(f).solver(OdeSolver.rk4(), TimeGrid.uniform(0, 1, 50)).build().logProb(held).meanLogProb();
        System.out.printf("held-out NLL train-grid %.4f, rk4x50 %.4f, entropy %.4f (%.1f s)%n", nllTrainGrid, nll, toy.entropy().getAsDouble(), (System.nanoTime() - t1) / 1e9);
    }
}
