"""What this CPU does with the encoder's matrix products in each precision: GFLOP/s of fp32, bf16 and int8.

The sentence encoder's time is its linear layers (4,096 padded tokens by 512
by 2,048 and back per layer in a CPU batch); whether ``--precision bf16`` or
``int8`` can pay depends on the CPU's matrix units, which this measures
directly: the same product in float32, in bfloat16 (fast only with
AVX512-BF16 or AMX) and through a dynamically quantised int8 linear layer
(``torch.ao.quantization.quantize_dynamic``, as ``--precision int8`` runs),
interleaved over ``--rounds`` rounds so that load hits them alike. Prints
the best GFLOP/s of each and its ratio to float32, per thread count.

Usage::

    .venv/bin/python benchmarks/matmul.py [--threads 1 2] [--tokens 4096] [--rounds 5]
"""

from __future__ import annotations

import argparse
import time
import warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="Thread counts to measure (default: 1 2).")
    parser.add_argument("--tokens", type=int, default=4096, help="Rows of the product (padded tokens of a batch).")
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--intermediate", type=int, default=2048)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5, help="Products per timing (default: 5).")
    args = parser.parse_args(argv)

    import torch
    from torch import nn

    from xxgk.neural.device import cpu_has_bf16, describe

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(args.tokens, args.hidden, generator=gen)
    linear = nn.Linear(args.hidden, args.intermediate).eval()
    with warnings.catch_warnings():  # torch 2.13 announces the quantised tensor API's deprecation
        warnings.simplefilter("ignore")
        int8 = torch.ao.quantization.quantize_dynamic(nn.Sequential(linear), {nn.Linear}, dtype=torch.qint8)
    xb, wb = x.bfloat16(), linear.weight.detach().t().contiguous().bfloat16()
    w = linear.weight.detach().t().contiguous()
    runs = {"fp32": lambda: x @ w, "bf16": lambda: xb @ wb, "int8": lambda: int8(x)}
    flops = 2 * args.tokens * args.hidden * args.intermediate * args.repeat

    print(f"{describe(torch.device('cpu'))}; torch {torch.__version__}, kernels {torch.backends.cpu.get_cpu_capability()}, "
          f"bf16 instructions: {'yes' if cpu_has_bf16() else 'no'}")
    print(f"product {args.tokens}x{args.hidden} by {args.hidden}x{args.intermediate}, best of {args.rounds} rounds")
    print(f"{'threads':>7} {'precision':>9} {'GFLOP/s':>8} {'ratio':>6}")
    old = torch.get_num_threads()
    try:
        with torch.inference_mode():
            for threads in args.threads:
                torch.set_num_threads(threads)
                best = {k: 0.0 for k in runs}
                for fn in runs.values():  # warm up
                    fn()
                for _ in range(args.rounds):
                    for name, fn in runs.items():
                        t0 = time.perf_counter()
                        for _ in range(args.repeat):
                            fn()
                        best[name] = max(best[name], flops / (time.perf_counter() - t0) / 1e9)
                for name, g in best.items():
                    print(f"{threads:>7} {name:>9} {g:>8.1f} {g / best['fp32']:>5.2f}x")
    finally:
        torch.set_num_threads(old)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
