"""Public verification throughput measured with wrk (a C load generator), cached vs uncached.

    apt-get install wrk        # Debian's package
    .venv/bin/python benchmarks/bench_verify_wrk.py [--var DIR] [--seconds 10] [--connections 16]

The Python client of bench_verify.py spends much of the shared 2 CPUs on itself; wrk costs far
less, so this figure is closer to what the server can do.  Same server layout as ``govapp demo``
(gunicorn, 2 workers x 4 threads), same question mix (bench_verify.questions), rate limiting off
for the measurement.  The baseline is the same server with the public cache off.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_verify import load_demo, questions, start_server

LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def run_wrk(port: int, script: Path, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> str:
        m = re.search(rf"^\s+{p}%\s+(\S+)", out, re.M)
        return m.group(1) if m else "?"

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": pct("50"),
        "p99": pct("99"),
        "non2xx": int(errors.group(1)) if errors else 0,
    }  # type: ignore[dict-item]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--var", type=Path)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    var = args.var or Path(tempfile.mkdtemp(prefix="govapp-wrk-"))
    if not (var / "govapp.sqlite3").exists():
        load_demo(var)
    urls = questions(var)
    script_dir = Path(tempfile.mkdtemp(prefix="govapp-wrk-lua-"))
    (script_dir / "paths.txt").write_text("\n".join(urls) + "\n")
    script = script_dir / "verify.lua"
    script.write_text(LUA % (script_dir / "paths.txt"))
    results = {}
    for name, cache in (("uncached (baseline)", 0), ("cached (default)", 300)):
        proc, port = start_server(var, cache, "None")
        try:
            run_wrk(port, script, 3, args.connections)  # warm-up
            time.sleep(1)
            results[name] = run_wrk(port, script, args.seconds, args.connections)
        finally:
            proc.terminate()
            proc.wait(10)
    base = results["uncached (baseline)"]["rps"]
    print(f"{'server':<22} {'req/s':>8} {'p50':>9} {'p99':>9} non-2xx")
    for name, r in results.items():
        print(f"{name:<22} {r['rps']:>8.0f} {r['p50']:>9} {r['p99']:>9} {r['non2xx']}")
    print(f"cached / uncached: {results['cached (default)']['rps'] / base:.2f}x")


if __name__ == "__main__":
    main()
