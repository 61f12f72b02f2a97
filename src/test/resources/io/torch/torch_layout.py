#!/usr/bin/env python3
"""PyTorch-layout weights and float64 reference outputs for TorchInteropTest (issue 18, item 4).

torch is not needed: the safetensors format is written by hand (8-byte little-endian header length,
JSON header padded with spaces to a multiple of 8, raw little-endian row-major data), and every
forward pass is written in numpy float64 from the formulas of the PyTorch modules it imitates:

  mlp.safetensors          nn.Sequential(Linear(5,16), SiLU, Linear(16,16), SiLU, Linear(16,3))
  attention.safetensors    nn.MultiheadAttention(16, 2) weights (in_proj_weight = [W_q; W_k; W_v], out_proj)
                           used with RoPE in the interleaved layout (pairs (x[2i], x[2i+1]), base 10000,
                           positions 0..L-1) on the projected queries and keys, no mask
  dit_block.safetensors    DiTBlock(32, 4, mlp_ratio=4) of facebookresearch/DiT models.py: norm1/norm2
                           LayerNorm(no affine, eps 1e-6), timm Attention (qkv, proj), timm Mlp (fc1,
                           GELU tanh, fc2), adaLN_modulation = Sequential(SiLU, Linear(32, 192))
  patch_embed.safetensors  Conv2d(3, 8, kernel 2, stride 2) (timm PatchEmbed.proj: tokens row-major)
  layer_norm.safetensors   LayerNorm(16) (eps 1e-5, affine weight and bias)
  expected.safetensors     float64 inputs and outputs: <name>.x (and dit.c), <name>.y

Weights are float32 (what PyTorch saves); inputs are float32-representable; outputs are computed in
float64 from those float32 values. Seeded: rerunning rewrites the same bytes.

  python3 torch_layout.py              # (re)write the files next to this script
  python3 torch_layout.py --check DIR  # check that DIR/<name>.safetensors (written by genblocks'
                                       # ModelIO.saveTorch in TorchInteropTest, target/torch-export)
                                       # hold exactly the tensors of <name>.safetensors here
"""
import json
import math
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32}
NAMES = {np.dtype(v): k for k, v in DTYPES.items()}


def write_safetensors(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    blobs = []
    for name, a in tensors.items():
        a = np.ascontiguousarray(a)
        b = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": NAMES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dt = np.dtype(DTYPES[info["dtype"]]).newbyteorder("<")
        out[name] = np.frombuffer(data[base + begin:base + end], dtype=dt).reshape(info["shape"])
    return out


def linear_init(rng, out_f, in_f, scale=1.0):
    bound = scale / math.sqrt(in_f)
    w = rng.uniform(-bound, bound, (out_f, in_f)).astype(np.float32)
    b = rng.uniform(-bound, bound, (out_f,)).astype(np.float32)
    return w, b


def lin(x, w, b):  # nn.Linear: x W^T + b
    return x @ w.astype(np.float64).T + b.astype(np.float64)


def silu(x):
    return x / (1.0 + np.exp(-x))


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def rope_interleaved(x, base=10000.0):
    """x [N, H, L, d]: pair i = (x[2i], x[2i+1]) rotated by m * base^(-2i/d), m = 0..L-1."""
    d = x.shape[-1]
    theta = base ** (-np.arange(0, d, 2, dtype=np.float64) / d)
    ang = np.arange(x.shape[2], dtype=np.float64)[:, None] * theta[None, :]
    cos, sin = np.cos(ang), np.sin(ang)
    a, b = x[..., 0::2], x[..., 1::2]
    y = np.empty_like(x)
    y[..., 0::2] = a * cos - b * sin
    y[..., 1::2] = a * sin + b * cos
    return y


def heads(t, h):  # [N, L, h*d] -> [N, h, L, d]
    n, l, dim = t.shape
    return t.reshape(n, l, h, dim // h).transpose(0, 2, 1, 3)


def merge(t):  # [N, h, L, d] -> [N, L, h*d]
    n, h, l, d = t.shape
    return t.transpose(0, 2, 1, 3).reshape(n, l, h * d)


def attention(x, w_in, b_in, w_out, b_out, h, rope):
    dim = x.shape[-1]
    qkv = lin(x, w_in, b_in)
    q, k, v = (heads(qkv[..., i * dim:(i + 1) * dim], h) for i in range(3))
    if rope:
        q, k = rope_interleaved(q), rope_interleaved(k)
    s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(dim // h)
    return lin(merge(softmax(s) @ v), w_out, b_out)


def layer_norm(x, eps):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps)


def f32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32).astype(np.float64)


def build():
    rng = np.random.default_rng(20261206)
    expected = {}
    files = {}

    # MLP: nn.Sequential(Linear(5, 16), SiLU, Linear(16, 16), SiLU, Linear(16, 3))
    sizes = [5, 16, 16, 3]
    mlp = {}
    for i in range(3):
        w, b = linear_init(rng, sizes[i + 1], sizes[i])
        mlp[f"{2 * i}.weight"], mlp[f"{2 * i}.bias"] = w, b
    x = f32(rng, 4, 5)
    h = x
    for i in range(3):
        h = lin(h, mlp[f"{2 * i}.weight"], mlp[f"{2 * i}.bias"])
        if i < 2:
            h = silu(h)
    files["mlp"] = mlp
    expected["mlp.x"], expected["mlp.y"] = x, h

    # nn.MultiheadAttention(16, 2) layout with interleaved RoPE on q and k
    dim, nh = 16, 2
    w_in, b_in = linear_init(rng, 3 * dim, dim)
    w_out, b_out = linear_init(rng, dim, dim)
    files["attention"] = {"in_proj_weight": w_in, "in_proj_bias": b_in, "out_proj.weight": w_out,
                          "out_proj.bias": b_out}
    x = f32(rng, 2, 6, dim)
    expected["attention.x"], expected["attention.y"] = x, attention(x, w_in, b_in, w_out, b_out, nh, rope=True)

    # DiTBlock(32, 4, mlp_ratio=4) of facebookresearch/DiT
    dim, nh = 32, 4
    qkv_w, qkv_b = linear_init(rng, 3 * dim, dim)
    proj_w, proj_b = linear_init(rng, dim, dim)
    fc1_w, fc1_b = linear_init(rng, 4 * dim, dim)
    fc2_w, fc2_b = linear_init(rng, dim, 4 * dim)
    ada_w, ada_b = linear_init(rng, 6 * dim, dim, scale=2.0)  # non-zero, so every gate and shift matters
    files["dit_block"] = {"attn.qkv.weight": qkv_w, "attn.qkv.bias": qkv_b, "attn.proj.weight": proj_w,
                          "attn.proj.bias": proj_b, "mlp.fc1.weight": fc1_w, "mlp.fc1.bias": fc1_b,
                          "mlp.fc2.weight": fc2_w, "mlp.fc2.bias": fc2_b, "adaLN_modulation.1.weight": ada_w,
                          "adaLN_modulation.1.bias": ada_b}
    x = f32(rng, 2, 4, dim)
    c = f32(rng, 2, dim)
    mod = lin(silu(c), ada_w, ada_b)
    shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = np.split(mod, 6, axis=1)

    def modulate(t, shift, scale):
        return t * (1 + scale[:, None, :]) + shift[:, None, :]

    y = x + gate_msa[:, None, :] * attention(modulate(layer_norm(x, 1e-6), shift_msa, scale_msa),
                                             qkv_w, qkv_b, proj_w, proj_b, nh, rope=False)
    m = modulate(layer_norm(y, 1e-6), shift_mlp, scale_mlp)
    y = y + gate_mlp[:, None, :] * lin(gelu_tanh(lin(m, fc1_w, fc1_b)), fc2_w, fc2_b)
    expected["dit.x"], expected["dit.c"], expected["dit.y"] = x, c, y

    # Conv2d(3, 8, kernel_size=2, stride=2): patch embedding, tokens row-major over the patch grid
    cin, cout, p, hh, ww = 3, 8, 2, 4, 6
    k = rng.uniform(-0.3, 0.3, (cout, cin, p, p)).astype(np.float32)
    kb = rng.uniform(-0.3, 0.3, (cout,)).astype(np.float32)
    files["patch_embed"] = {"proj.weight": k, "proj.bias": kb}
    img = f32(rng, 2, cin, hh, ww)
    out = np.zeros((2, cout, hh // p, ww // p))
    for r in range(hh // p):
        for q in range(ww // p):
            patch = img[:, :, r * p:(r + 1) * p, q * p:(q + 1) * p]  # [N, C, p, p]
            out[:, :, r, q] = np.einsum("ncyx,ocyx->no", patch, k.astype(np.float64)) + kb
    expected["patch.x"], expected["patch.y"] = img, out.reshape(2, cout, -1).transpose(0, 2, 1)

    # LayerNorm(16): (x - mean) / sqrt(var + 1e-5) * weight + bias, biased variance
    ln_w = rng.uniform(0.5, 1.5, 16).astype(np.float32)
    ln_b = rng.uniform(-0.5, 0.5, 16).astype(np.float32)
    files["layer_norm"] = {"weight": ln_w, "bias": ln_b}
    x = f32(rng, 3, 16) * 2.0 + 0.5
    expected["layer_norm.x"] = x
    expected["layer_norm.y"] = layer_norm(x, 1e-5) * ln_w.astype(np.float64) + ln_b.astype(np.float64)
    return files, expected


def main():
    files, expected = build()
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        bad = 0
        for name, tensors in files.items():
            path = os.path.join(sys.argv[2], name + ".safetensors")
            got = read_safetensors(path)
            if set(got) != set(tensors):
                print(f"{path}: keys {sorted(got)} != {sorted(tensors)}")
                bad += 1
                continue
            for key, a in tensors.items():
                if got[key].dtype != a.dtype or got[key].shape != a.shape or not np.array_equal(got[key], a):
                    print(f"{path}: {key} differs ({got[key].dtype}{got[key].shape} vs {a.dtype}{a.shape})")
                    bad += 1
            print(f"{path}: {len(tensors)} tensors {'checked' if not bad else 'FAILED'}")
        sys.exit(1 if bad else 0)
    for name, tensors in files.items():
        write_safetensors(os.path.join(HERE, name + ".safetensors"), tensors, {"format": "pt"})
    write_safetensors(os.path.join(HERE, "expected.safetensors"), expected)
    for name in files:
        assert all(np.array_equal(read_safetensors(os.path.join(HERE, name + ".safetensors"))[k], v)
                   for k, v in files[name].items())
    print("wrote", ", ".join(list(files) + ["expected"]), "in", HERE)


if __name__ == "__main__":
    main()
