package org.genblocks.tensor;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;
import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

class ImageShiftTest {
    /** Image i of [N, H, W] with pixel (y, x) = 100·i + 10·y + x + 1, so every value names its place. */
    private static INDArray numbered(int n, int h, int w) {
        double[] v = new double[n * h * w];
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    v[(i * h + y) * w + x] = 100 * i + 10 * y + x + 1;
                }
            }
        }
        return Nd4j.createFromArray(v).reshape(n, h, w);
    }

    @Test
    void movesEachImageByItsOwnShiftAndPadsWithZeros() {
        INDArray img = numbered(3, 4, 5);
        int[] dy = {1, -2, 0};
        int[] dx = {-1, 0, 3};
        INDArray out = ImageShift.shift(img, dy, dx);
        assertArrayEquals(img.shape(), out.shape());
        for (int i = 0; i < 3; i++) {
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 5; x++) {
                    int sy = y - dy[i];
                    int sx = x - dx[i];
                    double expected = sy >= 0 && sy < 4 && sx >= 0 && sx < 5 ? 100 * i + 10 * sy + sx + 1 : 0;
                    assertEquals(expected, out.getDouble(i, y, x), 0.0, "image " + i + " at (" + y + ", " + x + ")");
                }
            }
        }
        assertEquals(1.0, img.getDouble(0, 0, 0), 0.0, "the input is left as it was");
    }

    @Test
    void channelsMoveTogetherAndAShiftOutOfTheFrameLeavesZeros() {
        INDArray img = numbered(2, 6, 4).reshape(2, 2, 3, 4);   // [N, C, H, W]
        INDArray out = ImageShift.shift(img, new int[]{0, 3}, new int[]{1, 0});
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 3; y++) {
                assertEquals(0.0, out.getDouble(0, c, y, 0), 0.0);
                for (int x = 1; x < 4; x++) {
                    assertEquals(img.getDouble(0, c, y, x - 1), out.getDouble(0, c, y, x), 0.0);
                }
            }
        }
        assertEquals(0.0, out.get(point(1)).sumNumber().doubleValue(), 0.0,
                "a shift of the whole height leaves nothing");
    }

    @Test
    void randomShiftsAreSeededAndCoverTheRange() {
        INDArray one = Nd4j.zeros(DataType.DOUBLE, 900, 5, 5);
        one.get(all(), point(2),
                point(2)).assign(1.0);   // a dot in the middle of every image
        INDArray a = ImageShift.random(one, 1, Rng.seed(4));
        assertEquals(a, ImageShift.random(one, 1, Rng.seed(4)), "same seed, same shifts");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 900; i++) {
            INDArray img = a.get(point(i));
            assertEquals(1.0, img.sumNumber().doubleValue(), 0.0, "the dot stays in the frame");
            long at = img.reshape(25).argMax(0).getLong(0);
            int y = (int) at / 5;
            int x = (int) at % 5;
            assertTrue(Math.abs(y - 2) <= 1 && Math.abs(x - 2) <= 1, "shift within 1: " + y + ", " + x);
            seen.add(y + "," + x);
        }
        assertEquals(9, seen.size(), "all nine shifts occur: " + seen);
        assertEquals(one, ImageShift.random(one, 0, Rng.seed(4)), "maxShift 0 is a copy");
    }

    @Test
    void badInputIsRefusedByName() {
        INDArray img = numbered(2, 3, 3);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageShift.shift(img, new int[]{0}, new int[]{0, 0}))
                .getMessage().contains("one shift per image"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageShift.shift(Nd4j.zeros(2, 9), new int[2], new int[2]))
                .getMessage().contains("[N, H, W] or [N, C, H, W]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageShift.random(img, -1, Rng.seed(1)))
                .getMessage().contains("maxShift"));
    }
}
