"""B1 — roster import. Kept for old instructions: the benchmark lives in bench/b1_import.py
and runs through the harness (``make bench-import`` = ``bench/run.py --only b1``)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import main  # noqa: E402

if __name__ == "__main__":
    main(["--only", "b1", *sys.argv[1:]])
