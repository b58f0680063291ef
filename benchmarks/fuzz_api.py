"""The longer fuzzing run (issue 16 item 10): the CI gate tests/test_api_fuzz.py with many more
examples per operation and role, plus schemathesis' coverage phase (boundary and negative
values of every parameter).  Prints the pytest summary (failures name the operation, the
role and the request), then wall time, CPU time of the run and the load average.
Usage: .venv/bin/python benchmarks/fuzz_api.py [EXAMPLES] [--no-coverage]
Set DATABASE_URL=postgres://... to run it on PostgreSQL."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    examples = args[0] if args else "50"
    env = {
        **os.environ,
        "GOVAPP_FUZZ_EXAMPLES": examples,
        "GOVAPP_FUZZ_COVERAGE": "0" if "--no-coverage" in sys.argv else "1",
    }
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_api_fuzz.py"]
    start = time.perf_counter()
    rc = subprocess.call(cmd, env=env, cwd=REPO)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"fuzz examples={examples} coverage={env['GOVAPP_FUZZ_COVERAGE']} "
        f"db={'postgres' if os.environ.get('DATABASE_URL', '').startswith('postgres') else 'sqlite'}"
        f" wall={wall:.1f}s cpu={usage.ru_utime + usage.ru_stime:.1f}s "
        f"load={os.getloadavg()[0]:.1f}"
    )
    raise SystemExit(rc)
