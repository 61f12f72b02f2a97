package org.genblocks.examples;

import org.genblocks.tensor.Rng;
import org.genblocks.viz.Axis;
import org.genblocks.viz.ImageGrid;
import org.genblocks.viz.LinePlot;
import org.genblocks.viz.Palette;
import org.genblocks.viz.ScatterPlot;
import org.genblocks.viz.TrajectoryPlot;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.List;

/**
 * Draws one of each genblocks plot into a folder: a scatter of data against samples, sampler
 * trajectories, an 8 x 8 image grid and two line plots (a loss curve and error against NFE).
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.mainClass=org.genblocks.examples.PlotGallery -Dexec.args="out/plots"
 * </pre>
 *
 * The data is synthetic (two moons drawn with {@link Rng}, straight-line paths from noise,
 * Gaussian blobs as images, analytic error curves), so the example runs in a second.
 */
public final class PlotGallery {
    private PlotGallery() {
    }

    public static void main(String[] args) {
        Path out = Path.of(args.length > 0 ? args[0] : "out/plots");
        List<Path> files = run(out, 2000, 2);
        files.forEach(f -> System.out.println("wrote " + f));
    }

    /**
     * Writes the gallery into {@code out} with {@code n} points per cloud, drawn {@code scale}
     * times larger (2 for sharp text); returns the files written.
     */
    public static List<Path> run(Path out, int n, int scale) {
        Rng rng = Rng.seed(7);
        INDArray data = moons(rng, n);
        INDArray noise = rng.normal(DataType.DOUBLE, n, 2);
        // stand-in "samples": data blurred towards noise
        INDArray samples = data.mul(0.9).addi(noise.mul(0.15));

        Path scatter = out.resolve("scatter.png");
        ScatterPlot.dataVsSamples(data, samples).alpha(0.5).markerRadius(1.8)
                .title("two moons: data against samples").scale(scale)
                .writePng(scatter);

        int steps = 16;
        int paths = Math.min(n, 200);
        INDArray traj = Nd4j.create(DataType.DOUBLE, steps, paths, 2);
        for (int t = 0; t < steps; t++) {
            double s = t / (steps - 1.0);
            // x_t = (1 - t) x_0 + t eps, drawn from noise (t = 1) to data (t = 0)
            INDArray x0 = data.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, paths));
            INDArray eps = noise.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, paths));
            traj.get(org.nd4j.linalg.indexing.NDArrayIndex.point(t)).assign(eps.mul(1 - s).addi(x0.mul(s)));
        }
        Path trajectories = out.resolve("trajectories.png");
        TrajectoryPlot.of(traj).points("data", data, Palette.SKY).alpha(0.35)
                .title("straight paths from noise to data").scale(scale)
                .writePng(trajectories);

        float[] pixels = new float[64 * 28 * 28];
        for (int i = 0; i < 64; i++) {
            double cx = 6 + 16 * rng.nextDouble();
            double cy = 6 + 16 * rng.nextDouble();
            double r = 2 + 4 * rng.nextDouble();
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                    pixels[(i * 28 + y) * 28 + x] = (float) Math.exp(-d2 / (2 * r * r));
                }
            }
        }
        INDArray images = Nd4j.createFromArray(pixels).reshape(64, 1, 28, 28);
        Path grid = out.resolve("image-grid.png");
        ImageGrid.of(images).columns(8).rowLabels("a", "b", "c", "d", "e", "f", "g", "h")
                .title("ImageGrid: 64 synthetic blobs, labelled rows").writePng(grid);

        double[] loss = new double[500];
        for (int i = 0; i < loss.length; i++) {
            loss[i] = 0.05 + 2 * Math.exp(-i / 60.0) * (1 + 0.2 * rng.nextGaussian() * Math.exp(-i / 300.0));
        }
        Path lossPng = out.resolve("loss.png");
        LinePlot.create().series("train loss", loss)
                .xAxis(Axis.linear().label("step")).yAxis(Axis.log().label("loss"))
                .title("training loss").scale(scale)
                .writePng(lossPng);

        double[] nfe = {2, 4, 8, 16, 32, 64, 128};
        double[] euler = new double[nfe.length];
        double[] heun = new double[nfe.length];
        double[] rk4 = new double[nfe.length];
        for (int i = 0; i < nfe.length; i++) {
            euler[i] = 0.8 / nfe[i];
            heun[i] = 1.5 / (nfe[i] * nfe[i]);
            rk4[i] = 4 / Math.pow(nfe[i], 4);
        }
        Path nfePng = out.resolve("error-vs-nfe.png");
        LinePlot.create().series("Euler (order 1)", nfe, euler).series("Heun (order 2)", nfe, heun)
                .series("RK4 (order 4)", nfe, rk4).markers(true)
                .xAxis(Axis.log().label("NFE")).yAxis(Axis.log().label("error"))
                .title("error against function evaluations").scale(scale)
                .writePng(nfePng);
        return List.of(scatter, trajectories, grid, lossPng, nfePng);
    }

    private static INDArray moons(Rng rng, int n) {
        double[][] p = new double[n][2];
        for (int i = 0; i < n; i++) {
            double a = Math.PI * rng.nextDouble();
            boolean upper = i % 2 == 0;
            p[i][0] = upper ? Math.cos(a) : 1 - Math.cos(a);
            p[i][1] = upper ? Math.sin(a) : 0.5 - Math.sin(a);
            p[i][0] += 0.05 * rng.nextGaussian();
            p[i][1] += 0.05 * rng.nextGaussian();
        }
        return Nd4j.createFromArray(p);
    }
}
