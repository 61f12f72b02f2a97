package org.genblocks.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Smoke test of the PostHocEmaMoons example with tiny settings. */
class PostHocEmaMoonsTest {
    @Test
    void smokeRunScoresEveryEmaLengthAndWritesTheFigure(@TempDir Path dir) throws Exception {
        List<PostHocEmaMoons.Row> rows = PostHocEmaMoons.run(PostHocEmaMoons.Config.smoke());
        assertEquals(3, rows.size());
        assertEquals(0.0, rows.get(0).sigmaRel());
        assertEquals(0.15, rows.get(2).sigmaRel());
        for (PostHocEmaMoons.Row r : rows) {
            assertTrue(Double.isFinite(r.energyDistance()), r.toString());
        }
        assertTrue(PostHocEmaMoons.table(rows).contains("raw"));
        Path png = PostHocEmaMoons.writePng(rows, dir.resolve("phema.png"));
        ExamplePictures.assertPicture(png, 300, 200);
    }
}
