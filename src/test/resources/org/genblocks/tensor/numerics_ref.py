# Reference values for org.genblocks.tensor.Numerics, computed with Python's decimal module at
# 1,200 significant digits from the defining formulas (no float arithmetic), printed as float64.
# Inputs are the exact binary values Java sees (Decimal(float) is exact).
from decimal import Decimal as D, getcontext
getcontext().prec = 1200
def f(d): return repr(float(d))
def e(x): return x.exp()
xs = [-1000.0, -745.5, -100.0, -37.25, -20.0, -3.5, -1.0, -0.5, 2.0**-17 * -1, -(2.0**-40), 0.0,
      2.0**-40, 2.0**-17, 0.5, 1.0, 3.5, 20.0, 37.25, 100.0, 745.5, 1000.0]
print("// {x, softplus, logSigmoid, expit}")
for x in xs:
    X = D(x)
    sp = (1 + e(X)).ln()
    ls = -((1 + e(-X)).ln())
    ex = 1 / (1 + e(-X))
    print(f"{{{f(X)}, {f(sp)}, {f(ls)}, {f(ex)}}},")
print("// {x, log1mexp}")
for x in [-1000.0, -745.5, -100.0, -37.25, -20.0, -3.5, -1.0, -0.6931471805599453, -0.5, -(2.0**-17), -(2.0**-40), -(2.0**-120), -(2.0**-1000)]:
    X = D(x)
    print(f"{{{f(X)}, {f((1 - e(X)).ln())}}},")
print("// {p, logit}")
for p in [2.0**-996, 2.0**-120, 2.0**-66, 2.0**-27, 2.0**-10, 0.1875, 0.25, 0.3125, 0.5 - 2.0**-13, 0.5, 0.5 + 2.0**-13, 0.6875, 0.75, 0.875, 1 - 2.0**-10, 1 - 2.0**-24, 1 - 2.0**-53]:
    P = D(p)
    print(f"{{{f(P)}, {f((P / (1 - P)).ln())}}},")
print("// logsumexp rows")
rows = [[1000.0, 999.0, 998.0], [-1000.0, -1000.5, -999.0], [0.0, 0.0, 0.0, 0.0], [2.0**-10, -50.0, -60.0], [700.0, -700.0], [3.0, 2.0, -1.0]]
for r in rows:
    print(r, f(sum(e(D(v)) for v in r).ln()))
