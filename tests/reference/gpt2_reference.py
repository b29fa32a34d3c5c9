#!/usr/bin/python3
"""PyTorch reference for the CPU backend: writes a small GPT-2 model and what PyTorch computes
with it, for tests/trainer/test_reference.cpp to compare against.

The reference runs in float64, so it is the truth the float32 trainer is measured against.
Outputs in --out DIR:
  model.bin      the weights, llm.c model format (version 3, fp32; wte padded to Vp rows)
  reference.bin  header of 256 int32 (layout below), then
                 x, y: int32[B*T]        one batch of tokens and targets
                 logits: f32[B*T*V]      before the loss
                 loss: f32[1]
                 grads: f32[P]           every parameter's gradient, llm.c layout (padded rows 0)
                 losses: f32[steps]      loss before each of `steps` AdamW steps on the same batch
                 norms: f32[steps]       gradient norm before clipping, at each step
                 params: f32[P]          the parameters after the last step
Header: [0] magic 20261127, [1] version 1, [2] B, [3] T, [4] steps, [5] L, [6] NH, [7] C,
[8] maxT, [9] V, [10] Vp; as float32 bit patterns: [16] lr, [17] beta1, [18] beta2, [19] eps,
[20] weight_decay, [21] grad_clip.
"""
import argparse
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

MAGIC, VERSION = 20261127, 1
NAMES = ["wte", "wpe", "ln1w", "ln1b", "qkvw", "qkvb", "attprojw", "attprojb",
         "ln2w", "ln2b", "fcw", "fcb", "fcprojw", "fcprojb", "lnfw", "lnfb"]


def shapes(L, C, maxT, V):
    return {"wte": (V, C), "wpe": (maxT, C), "ln1w": (L, C), "ln1b": (L, C),
            "qkvw": (L, 3 * C, C), "qkvb": (L, 3 * C), "attprojw": (L, C, C), "attprojb": (L, C),
            "ln2w": (L, C), "ln2b": (L, C), "fcw": (L, 4 * C, C), "fcb": (L, 4 * C),
            "fcprojw": (L, C, 4 * C), "fcprojb": (L, C), "lnfw": (C,), "lnfb": (C,)}


def make_params(L, C, maxT, V, gen):
    """Random weights, biases and LayerNorm gains all non-trivial, so every gradient is tested."""
    p = {}
    for name, shape in shapes(L, C, maxT, V).items():
        if name in ("ln1w", "ln2w", "lnfw"):
            t = 1.0 + 0.1 * torch.randn(shape, generator=gen, dtype=torch.float64)
        elif name.endswith("b"):
            t = 0.02 * torch.randn(shape, generator=gen, dtype=torch.float64)
        else:
            t = 0.08 * torch.randn(shape, generator=gen, dtype=torch.float64)
        # Round to float32 values: the trainer reads these exact numbers from model.bin.
        p[name] = t.float().double().requires_grad_(True)
    return p


def gpt2_loss(p, x, y, L, NH, C, V):
    """GPT-2 forward as nanoGPT's model.py (with biases, tanh GELU, tied head)."""
    B, T = x.shape
    hs = C // NH
    h = p["wte"][x] + p["wpe"][:T]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for l in range(L):
        a = F.layer_norm(h, (C,), p["ln1w"][l], p["ln1b"][l], eps=1e-5)
        qkv = a @ p["qkvw"][l].T + p["qkvb"][l]
        q, k, v = qkv.split(C, dim=2)
        q = q.view(B, T, NH, hs).transpose(1, 2)
        k = k.view(B, T, NH, hs).transpose(1, 2)
        v = v.view(B, T, NH, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        yatt = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        h = h + yatt @ p["attprojw"][l].T + p["attprojb"][l]
        a = F.layer_norm(h, (C,), p["ln2w"][l], p["ln2b"][l], eps=1e-5)
        f = F.gelu(a @ p["fcw"][l].T + p["fcb"][l], approximate="tanh")
        h = h + f @ p["fcprojw"][l].T + p["fcprojb"][l]
    h = F.layer_norm(h, (C,), p["lnfw"], p["lnfb"], eps=1e-5)
    logits = h @ p["wte"].T
    loss = F.cross_entropy(logits.view(-1, V), y.view(-1))
    return logits, loss


def flat(p, V, Vp, C, use_grad):
    """All tensors in llm.c order as one float32 array, wte padded to Vp rows with zeros."""
    parts = []
    for name in NAMES:
        t = (p[name].grad if use_grad else p[name]).detach().float().numpy()
        if name == "wte":
            t = np.concatenate([t, np.zeros((Vp - V, C), np.float32)])
        parts.append(t.reshape(-1))
    return np.concatenate(parts).astype(np.float32)


def write_hf_safetensors(path, p, L):
    """The same weights under Hugging Face GPT2Model names and layout: Conv1D weights are
    stored (in, out), i.e. transposed relative to our Linear (out, in)."""
    t = {"wte.weight": p["wte"], "wpe.weight": p["wpe"],
         "ln_f.weight": p["lnfw"], "ln_f.bias": p["lnfb"]}
    for l in range(L):
        h = f"h.{l}."
        t[h + "ln_1.weight"], t[h + "ln_1.bias"] = p["ln1w"][l], p["ln1b"][l]
        t[h + "attn.c_attn.weight"], t[h + "attn.c_attn.bias"] = p["qkvw"][l].T, p["qkvb"][l]
        t[h + "attn.c_proj.weight"], t[h + "attn.c_proj.bias"] = p["attprojw"][l].T, p["attprojb"][l]
        t[h + "ln_2.weight"], t[h + "ln_2.bias"] = p["ln2w"][l], p["ln2b"][l]
        t[h + "mlp.c_fc.weight"], t[h + "mlp.c_fc.bias"] = p["fcw"][l].T, p["fcb"][l]
        t[h + "mlp.c_proj.weight"], t[h + "mlp.c_proj.bias"] = p["fcprojw"][l].T, p["fcprojb"][l]
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, tensor in t.items():
        a = np.ascontiguousarray(tensor.detach().float().numpy())
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    import json
    hjson = json.dumps(header).encode()
    hjson += b" " * (-len(hjson) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    L, NH, C, maxT, V = 2, 4, 64, 32, 100
    Vp = (V + 127) // 128 * 128
    B, T, steps = 4, 16, 5
    lr, beta1, beta2, eps, wd, clip = 1e-3, 0.9, 0.95, 1e-8, 0.1, 1.0

    gen = torch.Generator().manual_seed(args.seed)
    p = make_params(L, C, maxT, V, gen)
    tokens = torch.randint(0, V, (B * T + 1,), generator=gen)
    x, y = tokens[:-1].view(B, T), tokens[1:].view(B, T)
    os.makedirs(args.out, exist_ok=True)

    header = np.zeros(256, np.int32)
    header[:8] = [20240326, 3, maxT, V, L, NH, C, Vp]
    with open(os.path.join(args.out, "model.bin"), "wb") as f:
        f.write(header.tobytes())
        f.write(flat(p, V, Vp, C, use_grad=False).tobytes())

    write_hf_safetensors(os.path.join(args.out, "model.safetensors"), p, L)

    logits, loss = gpt2_loss(p, x, y, L, NH, C, V)
    loss.backward()
    grads = flat(p, V, Vp, C, use_grad=True)
    logits_out = logits.detach().float().numpy().reshape(-1)
    loss0 = float(loss)

    # AdamW as nanoGPT configures it: decay 2-D tensors only; clip the global norm first.
    # (Tensors are stacked over layers here, so pick the weight matrices by name, not by dim.)
    decay = [p[n] for n in ("wte", "wpe", "qkvw", "attprojw", "fcw", "fcprojw")]
    no_decay = [p[n] for n in NAMES if n not in ("wte", "wpe", "qkvw", "attprojw", "fcw", "fcprojw")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": wd},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=lr, betas=(beta1, beta2), eps=eps)
    losses, norms = [], []
    for _ in range(steps):
        opt.zero_grad()
        _, loss = gpt2_loss(p, x, y, L, NH, C, V)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_([p[n] for n in NAMES], clip)
        losses.append(float(loss))
        norms.append(float(norm))
        opt.step()
    final = flat(p, V, Vp, C, use_grad=False)

    h = np.zeros(256, np.int32)
    h[:11] = [MAGIC, VERSION, B, T, steps, L, NH, C, maxT, V, Vp]
    floats = np.array([lr, beta1, beta2, eps, wd, clip], np.float32)
    h[16:22] = floats.view(np.int32)
    with open(os.path.join(args.out, "reference.bin"), "wb") as f:
        f.write(h.tobytes())
        f.write(x.numpy().astype(np.int32).tobytes())
        f.write(y.numpy().astype(np.int32).tobytes())
        f.write(logits_out.astype(np.float32).tobytes())
        f.write(np.array([loss0], np.float32).tobytes())
        f.write(grads.tobytes())
        f.write(np.array(losses, np.float32).tobytes())
        f.write(np.array(norms, np.float32).tobytes())
        f.write(final.tobytes())
    print(f"reference written to {args.out}: loss {loss0:.6f}, losses {['%.6f' % v for v in losses]}")


if __name__ == "__main__":
    main()
