"""Joins the JSON lines of bench/run into one table: per case, mosel's figure, each peer's
figure, and the ratio peer / mosel against the fastest peer configuration (>1 means mosel
is faster)."""
import json
import sys
from collections import defaultdict

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
cases = defaultdict(list)
for r in rows:
    cases[(r["workload"], r["case"])].append(r)


def fmt(s):
    return f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.3f} s"


print()
print(f"{'workload':<10} {'case':<44} {'tool':<34} {'time':>11} {'peak MB':>8} {'extra'}")
print("-" * 130)
for (workload, case), rs in cases.items():
    mosel = [r for r in rs if r["tool"] == "mosel"]
    peers = [r for r in rs if r["tool"] != "mosel"]
    for r in mosel + peers:
        extra = {k: v for k, v in r.items() if k not in ("workload", "case", "tool", "seconds", "peak_mb", "checksum")}
        extra_s = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in extra.items())
        peak = r.get("peak_mb")
        peak_s = f"{peak:.0f}" if isinstance(peak, (int, float)) else ""
        print(f"{workload:<10} {case[:44]:<44} {r['tool'][:34]:<34} {fmt(r['seconds']):>11} {peak_s:>8} {extra_s}")
    if mosel and peers:
        best = min(peers, key=lambda r: r["seconds"])
        ratio = best["seconds"] / mosel[0]["seconds"]
        print(f"{'':<10} {'':<44} {'=> speed-up vs ' + best['tool'][:19]:<34} {ratio:>10.1f}x")
