/**
 * ODE integration, independent of any model family: a {@link org.genblocks.ode.VectorField} solved by fixed-step
 * (Euler, midpoint, Heun, RK4) or adaptive ({@link org.genblocks.ode.DormandPrince}) solvers
 * ({@link org.genblocks.ode.OdeSolver}) on a {@link org.genblocks.ode.TimeGrid}, and the exact log-likelihood of a
 * field through the instantaneous change of variables ({@link org.genblocks.ode.Likelihood},
 * {@link org.genblocks.ode.Divergence}). See docs/ode.md.
 */
package org.genblocks.ode;
