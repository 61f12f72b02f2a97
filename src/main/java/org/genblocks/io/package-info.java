/**
 * Files: NumPy {@code .npy}/{@code .npz} ({@link org.genblocks.io.Npy}, {@link org.genblocks.io.Npz}), safetensors
 * ({@link org.genblocks.io.SafeTensors}), a module's parameters ({@link org.genblocks.io.ModelIO}) and PyTorch
 * {@code state_dict}s in and out through declared name maps with layout conversion
 * ({@link org.genblocks.io.TorchNameMap}, {@link org.genblocks.io.TorchConversion}). Every size a file declares is
 * checked against {@link org.genblocks.io.ReadLimits} before anything is allocated, and every writer is atomic
 * ({@link org.genblocks.io.AtomicFiles}). See docs/io.md.
 */
package org.genblocks.io;
