package org.genblocks.flow;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The preset builder: the layer sequence it assembles, every structure through the kit, early argument errors. */
class VectorFlowTest {
    private static final DataType F64 = DataType.DOUBLE;

    static List<Bijection> layersOf(FlowDensity m) {
        return ((SequentialFlow) m.flow()).layers();
    }

    @Test
    void assemblesTheDocumentedSkeletons() {
        List<Bijection> nsf = layersOf(VectorFlow.builder().dims(3).layers(3).build());
        assertEquals(5, nsf.size());
        assertInstanceOf(RationalQuadraticCoupling.class, nsf.get(0));
        assertInstanceOf(LuLinear.class, nsf.get(1));
        List<Bijection> maf = layersOf(VectorFlow.builder().dims(3).layers(2).structure(VectorFlow.Structure.AUTOREGRESSIVE)
                .affine(ScaleActivation.softClamp(2)).build());
        assertFalse(((AutoregressiveTransform) maf.get(0)).isInverseAutoregressive());
        assertArrayEquals(new int[]{2, 1, 0}, ((Permutation) maf.get(1)).indices(), "MAF reverses the order between layers");
        List<Bijection> iaf = layersOf(VectorFlow.builder().dims(3).layers(2).structure(VectorFlow.Structure.INVERSE_AUTOREGRESSIVE)
                .mixing(VectorFlow.Mixing.RANDOM).seed(5).build());
        assertTrue(((AutoregressiveTransform) iaf.get(0)).isInverseAutoregressive());
        assertArrayEquals(Permutation.random(3, 6).indices(), ((Permutation) iaf.get(1)).indices());
        assertInstanceOf(AffineCoupling.class, layersOf(VectorFlow.builder().dims(2).layers(2).mixing(VectorFlow.Mixing.NONE)
                .affine(ScaleActivation.exp()).build()).get(1));
    }

    @Test
    void everyStructurePassesTheKitConditionally() {
        INDArray x = Rng.seed(1).normal(F64, 3, 3);
        INDArray c = Rng.seed(2).normal(F64, 3, 2);
        for (VectorFlow.Structure s : VectorFlow.Structure.values()) {
            VectorFlow.Builder b = VectorFlow.builder().dims(3).layers(2).hidden(8).spline(6, 3.0).contextDims(2);
            FlowDensity m = (s == VectorFlow.Structure.COUPLING ? b : b.residual(true)).structure(s).build();
            FlowLayersKitTest.check(m.flow(), x, c, 0.2);
        }
    }

    @Test
    void badArgumentsFailAtBuildNamingThemselves() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> VectorFlow.builder().build()).getMessage().startsWith("dims"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> VectorFlow.builder().dims(2).layers(0).build())
                .getMessage().startsWith("layers"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> VectorFlow.builder().dims(2).hidden().build())
                .getMessage().startsWith("hidden"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> VectorFlow.builder().dims(2).residual(true).build())
                .getMessage().startsWith("residual"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> VectorFlow.builder().dims(2).contextDims(-1).build())
                .getMessage().startsWith("contextDims"));
    }
}
