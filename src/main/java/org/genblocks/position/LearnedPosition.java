package org.genblocks.position;

import org.genblocks.nn.Init;
import org.genblocks.nn.Block;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Learned absolute position embedding (BERT, GPT-2, ViT): a table {@code E ∈ R^{maxLength × dim}}
 * whose row {@code p} is added to the token at position {@code p}:
 * {@code y[n, p] = x[n, p] + E[p]}. No extrapolation beyond {@code maxLength}.
 *
 * <p>{@code forward(scope, x [N, L, dim])} uses positions {@code 0 … L−1};
 * {@code forward(scope, x, positions [L] (integer))} uses explicit positions. Parameter
 * {@code table} starts at {@code N(0, 0.02²)} (GPT-2).
 */
public final class LearnedPosition extends Block {
    private final int maxLength;
    private final int dim;

    public LearnedPosition(int maxLength, int dim) {
        this.maxLength = Shapes.checkPositive("maxLength", maxLength);
        this.dim = Shapes.checkPositive("dim", dim);
        param("table", Init.normal(0.02), maxLength, dim);
    }

    public int maxLength() {
        return maxLength;
    }

    public int dim() {
        return dim;
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        if (inputs == null || inputs.length < 1 || inputs.length > 2) {
            throw new IllegalArgumentException("inputs: LearnedPosition expects (x [N, L, " + dim
                    + "]) or (x, positions [L]), got " + (inputs == null ? 0 : inputs.length));
        }
        SameDiff sd = scope.sd();
        SDVariable x = inputs[0];
        long[] s = scope.shape(x);
        if (s != null && (s.length != 3 || (s[2] >= 0 && s[2] != dim) || (s[1] > maxLength))) {
            throw new IllegalArgumentException("x: expected [N, L <= " + maxLength + ", " + dim + "], got "
                    + Shapes.format(s));
        }
        SDVariable table = scope.param("table");
        SDVariable e;
        if (inputs.length == 2) {
            // one-hot · table: gradients reach the table through a matmul
            SDVariable oneHot = sd.oneHot(inputs[1].castTo(DataType.INT32), maxLength, -1, 1.0, 0.0, scope.dataType());
            e = oneHot.mmul(table);
        } else {
            SDVariable len = sd.reshape(sd.sizeAt(x, 1).castTo(DataType.INT64), 1L);
            SDVariable begin = sd.constant(Nd4j.createFromArray(0L, 0L));
            e = sd.slice(table, begin, sd.concat(0, len, sd.constant(Nd4j.createFromArray((long) dim))));
        }
        return x.add(scope.name("out"), e);
    }

    @Override
    public String toString() {
        return "LearnedPosition(" + maxLength + ", " + dim + ")";
    }
}
