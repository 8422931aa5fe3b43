"""Records per second: how fast a dataset is read, validated and checked against its seeds.

Writes a copy of the mini fixture with N synthetic records (each a fact with a text, a
reference, a quantity and a quoted source, ~220 bytes of YAML), split over files below the
2 MiB cap of one YAML file, then runs ``reportgen check`` on it in a fresh process and
reports wall time, records per second and peak memory.

    python benchmarks/loadbench.py [--records 100000] [--runs 1]

``benchmarks/bench.py`` can call :func:`records_per_second` for its table.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"
_FILE_BYTES = 1_900_000  # below the 2 MiB limit of one YAML file
_RECORD = """  - id: f-{i}
    subject: city
    measure: {{zh: 公园数量, en: parks}}
    quantity: {{value: 120, unit: count, qualifier: gt, stated: "超过120个"}}
    source: {{seed: parks.txt, quote: "全市公园数量超过120个"}}
"""

__all__ = ["LoadFigures", "make_project", "measure", "records_per_second"]


@dataclass(frozen=True)
class LoadFigures:
    """One timed ``reportgen check`` of a synthetic dataset."""

    records: int
    data_bytes: int
    seconds: float  # wall time
    cpu: float  # user + system seconds of the check process (steady on a busy machine)
    peak_mb: float

    @property
    def per_second(self) -> float:
        """Return records read, validated and checked per second of wall time."""
        return self.records / self.seconds if self.seconds else 0.0

    @property
    def per_cpu_second(self) -> float:
        """Return records read, validated and checked per CPU second."""
        return self.records / self.cpu if self.cpu else 0.0


def make_project(dest: Path, records: int) -> Path:
    """Write the mini fixture plus ``records`` synthetic facts to ``dest``; return it."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(MINI, dest)
    # The fixture's own facts count: the collection holds ``records`` records in all.
    records -= (dest / "data" / "parks.yaml").read_text(encoding="utf-8").count("stated:")
    chunk: list[str] = []
    size, number = 0, 0
    for i in range(records):
        text = _RECORD.format(i=i)
        if size + len(text.encode()) > _FILE_BYTES:
            _write(dest, number, chunk)
            chunk, size, number = [], 0, number + 1
        chunk.append(text)
        size += len(text.encode())
    if chunk:
        _write(dest, number, chunk)
    return dest


def _write(dest: Path, number: int, chunk: list[str]) -> None:
    (dest / "data" / f"bulk-{number:03d}.yaml").write_text("facts:\n" + "".join(chunk),
                                                           encoding="utf-8")


def measure(project: Path, python: str = sys.executable) -> LoadFigures:
    """Run ``reportgen check`` on ``project`` in a fresh process; time it."""
    records = sum(p.read_text(encoding="utf-8").count("\n  - id: ")
                  for p in (project / "data").glob("*.yaml"))
    data_bytes = sum(p.stat().st_size for p in (project / "data").iterdir())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    proc = subprocess.run([python, "-m", "reportgen", "check", "--project", str(project)],
                          capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"reportgen check failed:\n{proc.stderr}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    return LoadFigures(records, data_bytes, seconds, cpu, max(usage.ru_maxrss, before) / 1024)


def records_per_second(records: int = 100_000, runs: int = 1) -> LoadFigures:
    """Generate a dataset of ``records`` records and return the fastest of ``runs`` checks."""
    with tempfile.TemporaryDirectory(prefix="reportgen-load-") as tmp:
        project = make_project(Path(tmp) / "project", records)
        return min((measure(project) for _ in range(runs)), key=lambda f: f.seconds)


def main() -> None:
    """Print the figures of one synthetic dataset."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    figures = records_per_second(args.records, args.runs)
    print(f"{figures.records:,} records ({figures.data_bytes / 1e6:.1f} MB of YAML): "
          f"check {figures.seconds:.1f} s ({figures.per_second:,.0f} records/s), "
          f"{figures.cpu:.1f} CPU s ({figures.per_cpu_second:,.0f} records/CPU s), "
          f"peak {figures.peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
