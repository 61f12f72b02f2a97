package org.genblocks.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Smoke test of the EdmSamplers example with tiny settings. */
class EdmSamplersTest {
    @Test
    void smokeRunGivesFallingErrorsForEverySampler(@TempDir Path dir) throws Exception {
        List<EdmSamplers.Row> rows = EdmSamplers.run(EdmSamplers.Config.smoke());
        assertEquals((6 + 4) * 3, rows.size());
        for (int i = 0; i < rows.size(); i += 3) {
            EdmSamplers.Row coarse = rows.get(i);
            EdmSamplers.Row fine = rows.get(i + 2);
            assertTrue(fine.error() < coarse.error(), coarse.sampler() + ": " + coarse.error() + " -> " + fine.error());
            assertTrue(fine.nfe() > coarse.nfe());
        }
        String table = EdmSamplers.table(rows);
        assertTrue(table.contains("dpmpp_2m") && table.contains("NFE"), table);
        for (Path png : EdmSamplers.writePngs(rows, dir)) {
            ExamplePictures.assertPicture(png, 400, 300);
        }
        EdmSamplers.main(new String[]{"--smoke", dir.resolve("main").toString()});
        assertTrue(Files.exists(dir.resolve("main").resolve("samplers.png")));
    }
}
