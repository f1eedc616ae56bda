"""Job traces: loading and checking CSV files, and the one documented expansion of count files.

A trace is what the simulator replays: for each job its submit time, run time and GPUs. The
CSV columns are those of the shared public traces (``submit_time_s``, ``duration_s``,
``num_gpus``; any others are ignored). Jobs that ask for no GPU (CPU pods in the Alibaba
trace) do not use a GPU pool, and rows with an empty ``duration_s`` are jobs that never ran
(pods still pending in a snapshot): both are skipped and counted so the caller can say so.

Every problem with a file is reported as ``FILE:LINE: column NAME: message`` (line 1 is the
header), so a user can open the file at the right place; nothing here raises a traceback for
bad input.

Every dimension is bounded, because a replay's time and memory follow what the file says: a
file is a regular file of at most ``MAX_TRACE_BYTES`` (a path to ``/dev/zero`` or a FIFO is
refused before it is opened for reading), at most ``MAX_JOBS`` jobs, submit times within
``MAX_TIME_S`` of the trace origin, run times up to ``MAX_DURATION_S``, and jobs of at most
``MAX_JOB_GPUS`` GPUs. A value beyond a bound is a problem at its line and column.

Throughput files (the Helios "Venus" extract) hold per-10-minute *counts*, not jobs. They are
rejected by ``load_trace`` with a message that names ``--expand-counts``; ``expand_counts``
then rebuilds jobs from the counts under a stated assumption (see its docstring).
"""

from __future__ import annotations

import csv
import math
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from infra.errors import UserError
from infra.safefile import Unreadable, open_regular, text_lines

REQUIRED_COLUMNS: tuple[str, ...] = ("submit_time_s", "duration_s", "num_gpus")
COUNT_COLUMNS: tuple[str, ...] = ("time", "start_gpu_job", "end_gpu_job", "start_gpu_num")
MAX_REPORTED_PROBLEMS = 10
# Far beyond the public traces (4 MB, 69k jobs, 60 days, jobs of at most a few hundred GPUs).
MAX_TRACE_BYTES = 512 * 1024 * 1024
MAX_JOBS = 2_000_000
MAX_TIME_S = 10 * 365.25 * 86400     # ten years of submits
MAX_DURATION_S = 365.25 * 86400      # one year of run time per job
MAX_JOB_GPUS = 16_384
MAX_BIN_COUNT = 100_000              # jobs or GPUs started in one bin of a throughput file


@dataclass
class Trace:
    """Jobs sorted by submit time; parallel lists keep 100k-job replays cheap."""

    name: str
    submit: list[float]
    duration: list[float]
    gpus: list[float]
    skipped_no_gpu: int = 0
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.submit)

    @classmethod
    def from_jobs(cls, name: str, jobs: list[tuple[float, float, float]],
                  notes: list[str] | None = None) -> Trace:
        """Build from ``(submit, duration, gpus)`` tuples (any order); for tests and generators."""
        ordered = sorted(jobs, key=lambda job: job[0])
        return cls(name=name, submit=[float(j[0]) for j in ordered],
                   duration=[float(j[1]) for j in ordered], gpus=[float(j[2]) for j in ordered],
                   notes=list(notes or []))

    @property
    def gpu_seconds(self) -> float:
        return math.fsum(d * g for d, g in zip(self.duration, self.gpus, strict=True))

    @property
    def span_s(self) -> float:
        """From the first submit to the last moment any job could end if it never waited."""
        if not self.submit:
            return 0.0
        return max(s + d for s, d in zip(self.submit, self.duration, strict=True)) - self.submit[0]


def _open_rows(path: Path, columns: tuple[str, ...]) -> tuple[csv.reader, list[str], object]:
    """A CSV reader over the file's lines, decoded one by one so that a bad byte is reported
    at its own line (``Unreadable.line``), and the header (``columns`` are those the caller
    needs, named if the file is empty)."""
    try:
        handle = open_regular(path, MAX_TRACE_BYTES)
    except Unreadable as exc:
        raise UserError(f"{path}: {exc.message}") from None
    reader = csv.reader(text_lines(handle))
    try:
        header = [name.strip().removeprefix("\ufeff") for name in next(reader)]
    except StopIteration:
        handle.close()
        raise UserError(f"{path}: the file is empty (expected a header with "
                        f"{', '.join(columns)})") from None
    except Unreadable as exc:
        handle.close()
        raise UserError(f"{path}:{exc.line}: {exc.message}") from None
    except csv.Error as exc:
        handle.close()
        raise UserError(f"{path}:1: not a CSV file: {exc}") from None
    return reader, header, handle


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:30] + "..." + text[-7:])


def _number(text: str, where: str, column: str, problems: list[str], *,
            most: float = math.inf, unit: str = "") -> float | None:
    try:
        value = float(text) if len(text) <= 64 else math.nan
    except ValueError:
        problems.append(f"{where}: column {column}: {_shown(text)} is not a number")
        return None
    if not math.isfinite(value):
        problems.append(f"{where}: column {column}: {_shown(text)} is not a finite number")
        return None
    if value < 0:
        problems.append(f"{where}: column {column}: {text} must be 0 or more")
        return None
    if value > most:
        problems.append(f"{where}: column {column}: {value:g} is more than the {most:g}{unit} "
                        "a replay accepts")
        return None
    return value


def load_trace(path: str | Path) -> Trace:
    """Read a per-job trace; raises ``UserError`` naming the line and column of each problem."""
    path = Path(path)
    reader, header, handle = _open_rows(path, REQUIRED_COLUMNS)
    with handle:
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            if all(c in header for c in COUNT_COLUMNS):
                raise UserError(
                    f"{path}:1: this is a throughput file of 10-minute counts, not one row per "
                    f"job (no column {', '.join(missing)}); pass --expand-counts to rebuild jobs "
                    "from the counts (see docs/profiles.md for the assumption)")
            raise UserError(f"{path}:1: missing column(s) {', '.join(missing)} "
                            f"(found: {', '.join(header) or 'none'})")
        index = {c: header.index(c) for c in REQUIRED_COLUMNS}
        width = len(header)
        jobs: list[tuple[float, float, float]] = []
        problems: list[str] = []
        skipped = never_ran = 0
        try:
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                where = f"{path}:{reader.line_num}"
                if len(row) < width:
                    problems.append(f"{where}: expected {width} columns, found {len(row)}")
                else:
                    submit = _number(row[index["submit_time_s"]], where, "submit_time_s",
                                     problems, most=MAX_TIME_S,
                                     unit=" s (ten years) from the trace origin")
                    if not row[index["duration_s"]].strip():
                        never_ran += 1  # e.g. a pod still Pending when the snapshot was taken
                        continue
                    duration = _number(row[index["duration_s"]], where, "duration_s", problems,
                                       most=MAX_DURATION_S, unit=" s (a year)")
                    gpus = _number(row[index["num_gpus"]], where, "num_gpus", problems,
                                   most=MAX_JOB_GPUS, unit=" GPUs per job")
                    if submit is not None and duration is not None and gpus is not None:
                        if gpus == 0:
                            skipped += 1
                        else:
                            jobs.append((submit, duration, gpus))
                            if len(jobs) > MAX_JOBS:
                                problems.append(f"{where}: more than {MAX_JOBS:,} jobs; replay "
                                                "a part of the trace")
                                break
                if len(problems) >= MAX_REPORTED_PROBLEMS:
                    problems.append(f"{path}: stopped after {MAX_REPORTED_PROBLEMS} problems")
                    break
        except Unreadable as exc:
            problems.append(f"{path}:{exc.line}: {exc.message}")
        except csv.Error as exc:
            problems.append(f"{path}:{reader.line_num}: unreadable row: {exc}")
    if problems:
        raise UserError(problems[0], lines=problems)
    if not jobs:
        why = (f"all {skipped} rows ask for 0 GPUs" if skipped
               else "the file has a header but no rows")
        raise UserError(f"{path}: no GPU jobs to replay ({why})")
    notes = [f"skipped {skipped} rows with num_gpus = 0 (CPU-only)"] if skipped else []
    if never_ran:
        notes.append(f"skipped {never_ran} rows with an empty duration_s (jobs that never ran)")
    trace = Trace.from_jobs(path.name, jobs, notes)
    trace.skipped_no_gpu = skipped
    return trace


def expand_counts(path: str | Path) -> Trace:
    """Rebuild jobs from a 10-minute throughput file (Helios ``cluster_throughput.csv``).

    The file gives, per 10-minute bin, how many GPU jobs started (``start_gpu_job``) and ended
    (``end_gpu_job``) and how many GPUs the started jobs asked for (``start_gpu_num``). It does
    not say which end belongs to which start, so this pairs them first-in, first-out: the k-th
    job to end is the k-th job to start. That keeps the number of running GPU jobs in every bin
    exactly as the trace has it (which is what an autoscaler reacts to) but not the spread of
    run times, which FIFO pairing narrows. Within a bin, starts and ends are spread evenly (a
    job that starts and ends in one bin runs at least 1 s); each started job gets an equal
    share of the bin's GPUs (at least 1); ends with no earlier start
    (jobs already running when the trace begins) are dropped; jobs still running at the end
    finish at the end of the last bin. A job is submitted when it started in the source cluster,
    so the source's own queueing is not replayed.
    """
    path = Path(path)
    reader, header, handle = _open_rows(path, COUNT_COLUMNS)
    with handle:
        missing = [c for c in COUNT_COLUMNS if c not in header]
        if missing:
            raise UserError(f"{path}:1: not a throughput file: missing column(s) "
                            f"{', '.join(missing)}")
        index = {c: header.index(c) for c in COUNT_COLUMNS}
        bins: list[tuple[float, int, int, int]] = []
        origin: datetime | None = None
        previous = -math.inf
        total = 0
        try:
            for row in reader:
                if not row:
                    continue
                where = f"{path}:{reader.line_num}"
                try:
                    stamp = datetime.fromisoformat(row[index["time"]].strip())
                    origin = origin or stamp
                    seconds = (stamp - origin).total_seconds()
                except (ValueError, IndexError, TypeError, OverflowError):
                    raise UserError(f"{where}: column time: not a date and time "
                                    "(expected e.g. 2020-04-01 00:10:00)") from None
                if seconds <= previous:
                    raise UserError(f"{where}: column time: rows must be in increasing time "
                                    "order")
                if seconds > MAX_TIME_S:
                    raise UserError(f"{where}: column time: more than ten years after the "
                                    "first row; replay a part of the trace")
                previous = seconds
                counts = []
                for column in ("start_gpu_job", "end_gpu_job", "start_gpu_num"):
                    text = row[index[column]].strip() if index[column] < len(row) else ""
                    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) > MAX_BIN_COUNT:
                        raise UserError(f"{where}: column {column}: {_shown(text)} is not a "
                                        f"whole number from 0 to {MAX_BIN_COUNT:,}")
                    counts.append(int(text))
                total += counts[0]
                if total > MAX_JOBS:
                    raise UserError(f"{where}: more than {MAX_JOBS:,} jobs; replay a part of "
                                    "the trace")
                bins.append((seconds, counts[0], counts[1], counts[2]))
        except Unreadable as exc:
            raise UserError(f"{path}:{exc.line}: {exc.message}") from None
        except csv.Error as exc:
            raise UserError(f"{path}:{reader.line_num}: unreadable row: {exc}") from None
    if not bins:
        raise UserError(f"{path}: no rows after the header")
    width = bins[1][0] - bins[0][0] if len(bins) > 1 else 600.0
    running: deque[tuple[float, float]] = deque()
    jobs: list[tuple[float, float, float]] = []
    dropped = 0
    for start, started, ended, gpus in bins:
        if started:
            share, extra = divmod(gpus, started)
            for i in range(started):
                need = max(1, share + (1 if i < extra else 0))
                running.append((start + (i + 0.5) * width / started, float(need)))
        for i in range(ended):
            end = start + (i + 0.5) * width / ended
            if running:
                submit, need = running.popleft()
                jobs.append((submit, max(end - submit, 1.0), need))
            else:
                dropped += 1
    end_of_trace = bins[-1][0] + width
    for submit, need in running:
        jobs.append((submit, max(end_of_trace - submit, 1.0), need))
    if not jobs:
        raise UserError(f"{path}: no GPU jobs started in the file")
    notes = [f"rebuilt {len(jobs)} jobs from 10-minute counts (FIFO pairing of starts and "
             f"ends; {dropped} ends of jobs running before the trace dropped)"]
    return Trace.from_jobs(path.name, jobs, notes)
