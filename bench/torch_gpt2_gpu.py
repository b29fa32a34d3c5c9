#!/usr/bin/env python3
"""PyTorch on the GPU beside `nanogpt train --device cuda` (bench/gpu-check.sh): nanoGPT's
GPT-2 (model.py: biases on, tanh GELU, weights tied, flash attention through
scaled_dot_product_attention), bf16 autocast with fp32 weights, torch.compile, fused AdamW with
nanoGPT's decay groups, random tokens. Times full training steps (forward, backward, clip,
AdamW) and prints one JSON line:
  {"impl":"pytorch","B":..,"T":..,"steps":..,"ms_median":..,"tokens_per_s":..,
   "flops_per_token":..,"device":"NVIDIA H100 80GB HBM3"}
MFU is left to the caller, which divides by the same peak as nanogpt's (trainer/mfu.h).

Usage: torch_gpt2_gpu.py [--B 16] [--T 1024] [--steps 30] [--warmup 10] [--no-compile]
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

L, NH, C, V = 12, 12, 768, 50257  # GPT-2 small


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(C, 3 * C)
        self.c_proj = nn.Linear(C, C)

    def forward(self, x):
        B, T, _ = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, NH, C // NH).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(C)
        self.attn = CausalSelfAttention()
        self.ln_2 = nn.LayerNorm(C)
        self.c_fc = nn.Linear(C, 4 * C)
        self.c_proj = nn.Linear(4 * C, C)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, maxT):
        super().__init__()
        self.wte = nn.Embedding(V, C)
        self.wpe = nn.Embedding(maxT, C)
        self.h = nn.ModuleList([Block() for _ in range(L)])
        self.ln_f = nn.LayerNorm(C)
        self.lm_head = nn.Linear(C, V, bias=False)
        self.lm_head.weight = self.wte.weight
        for name, p in self.named_parameters():
            if p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * L) if name.endswith("c_proj.weight") else 0.02
                nn.init.normal_(p, 0.0, std)

    def forward(self, idx, targets):
        T = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, V), targets.view(-1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--B", type=int, default=16)
    ap.add_argument("--T", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--no-compile", action="store_true")
    a = ap.parse_args()
    torch.manual_seed(1337)
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    dev = "cuda"
    model = GPT(a.T).to(dev)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=6e-4, betas=(0.9, 0.95), fused=True)
    step_model = model if a.no_compile else torch.compile(model)
    x = torch.randint(0, V, (a.B, a.T), device=dev)
    y = torch.randint(0, V, (a.B, a.T), device=dev)
    times = []
    for s in range(a.warmup + a.steps):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
            loss = step_model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        loss.item()  # the loss reaches the host every step, as in nanogpt's loop
        torch.cuda.synchronize()
        if s >= a.warmup:
            times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    n_params = V * C + L * (12 * C * C + 13 * C) + 2 * C  # nanoGPT's count without wpe
    print(json.dumps({"impl": "pytorch", "B": a.B, "T": a.T, "steps": a.steps,
                      "compiled": not a.no_compile, "ms_median": round(med * 1e3, 2),
                      "tokens_per_s": round(a.B * a.T / med, 1),
                      "flops_per_token": 6 * n_params + 12 * L * C * a.T,
                      "device": torch.cuda.get_device_name(0)}))


if __name__ == "__main__":
    main()
