"""The longer fuzzing run (issue 16 item 10): the CI gate tests/test_api_fuzz.py with many more
examples per operation and role.  Prints the pytest summary (failures name the operation, the
role and the request).  Usage: .venv/bin/python benchmarks/fuzz_api.py [EXAMPLES]"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    examples = sys.argv[1] if len(sys.argv) > 1 else "50"
    env = {**os.environ, "GOVAPP_FUZZ_EXAMPLES": examples}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_api_fuzz.py"]
    raise SystemExit(subprocess.call(cmd, env=env, cwd=REPO))
