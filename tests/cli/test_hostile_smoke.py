"""benchmarks/hostile.py, the issue 17 re-run (make hostile), still runs: one of its cases, in CI."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "hostile.py"


def test_the_hostile_rerun_runs_and_counts_its_cases():
    result = subprocess.run([sys.executable, str(SCRIPT), "-k", "a FIFO with no writer"], capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    [total] = [line.split() for line in result.stdout.splitlines() if line.startswith("all ")]
    assert total[1:] == ["1", "1", "0", "0", "0", "0"]  # cases, handled, internal, crash, hang, other
