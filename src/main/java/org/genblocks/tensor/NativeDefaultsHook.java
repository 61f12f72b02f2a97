package org.genblocks.tensor;

import org.nd4j.common.io.Resource;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4jBackend;

/**
 * Runs {@link NativeDefaults#apply()} from ND4J's own backend discovery, before any native library loads.
 *
 * <p>ND4J finds its backend with a {@link java.util.ServiceLoader} over {@link Nd4jBackend}: it instantiates
 * every registered provider first, then asks them in priority order whether they are available, and only
 * then loads the chosen backend's native code. genblocks registers this class as a provider
 * ({@code META-INF/services/org.nd4j.linalg.factory.Nd4jBackend}); its constructor applies the thread
 * settings, so they are in the environment before libgomp and OpenBLAS read it, whichever code touches
 * {@code Nd4j} first. It is never a backend: its priority is below every real one and it reports itself
 * unavailable. A fat jar must merge service files (Maven shade's {@code ServicesResourceTransformer}), as
 * ND4J itself requires.
 */
public final class NativeDefaultsHook extends Nd4jBackend {
    /** Applies the settings (once per JVM). */
    public NativeDefaultsHook() {
        NativeDefaults.apply();
    }

    @Override
    public boolean allowsOrder() {
        return false;
    }

    /** Below every real backend (CPU 0, GPU 100), so ND4J never picks it. */
    @Override
    public int getPriority() {
        return -1000;
    }

    @Override
    public boolean isAvailable() {
        return false;
    }

    @Override
    public boolean canRun() {
        return false;
    }

    @Override
    public Resource getConfigurationResource() {
        throw new UnsupportedOperationException("NativeDefaultsHook is not a backend");
    }

    @Override
    public Class<?> getNDArrayClass() {
        throw new UnsupportedOperationException("NativeDefaultsHook is not a backend");
    }

    @Override
    public Environment getEnvironment() {
        throw new UnsupportedOperationException("NativeDefaultsHook is not a backend");
    }

    @Override
    public String buildInfo() {
        return "genblocks NativeDefaultsHook (applies thread settings; not a backend)";
    }

    @Override
    public void logBackendInit() {
        // not a backend: nothing to log
    }
}
