package org.genblocks.examples;

import org.genblocks.position.Rope;
import org.genblocks.position.RopeLayout;
import org.genblocks.position.RopeScaling;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Smoke test of the RoPE example, and its decay bound against rope_golden.txt 1f. */
class RopeDecayTest {
    @Test
    void decayBoundMatchesGolden() {
        double[] theta = RopeScaling.baseFrequencies(128, 10_000);
        // rope_golden.txt 1f, d = 128
        double[] r = {0, 1, 5, 50, 100, 500, 1000};
        double[] want = {32.5, 31.538166, 20.845358, 12.629452, 10.227330, 6.189791, 4.470761};
        for (int i = 0; i < r.length; i++) {
            assertEquals(want[i], RopeDecay.decayBound(theta, r[i]), 1e-6, "r = " + r[i]);
        }
    }

    @Test
    void relativeScoresDoNotDependOnTheQueryPosition() {
        Rope rope = Rope.of(16, RopeLayout.INTERLEAVED);
        INDArray q = Rng.seed(1).normal(DataType.DOUBLE, 1, 16);
        INDArray k = Rng.seed(2).normal(DataType.DOUBLE, 1, 16);
        assertArrayEquals(RopeDecay.relativeScores(rope, q, k, 0, 20), RopeDecay.relativeScores(rope, q, k, 777, 20), 1e-9);
    }

    @Test
    void writesTwoPngs(@TempDir Path dir) throws Exception {
        List<Path> files = RopeDecay.run(dir, 4096, 1);
        assertEquals(2, files.size());
        for (Path f : files) {
            ExamplePictures.assertPicture(f, 400, 300);
        }
    }
}
