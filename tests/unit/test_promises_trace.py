"""The promises of trace loading (``infra/simulate/trace.py``).

* A per-job file: every problem is one line ``FILE:LINE: column NAME: message``, naming the
  column and, for a value beyond a bound, the bound and its unit.
* A throughput file of binned counts expands to exactly the jobs its docstring describes: the
  bin width is the spacing of the first two rows (600 s for a single row), starts and ends are
  spread evenly in their bin, ends are paired first-in first-out with starts, ends with no
  earlier start are dropped and counted, and jobs still running finish at the end of the last
  bin.
* A throughput file that cannot be expanded is refused with a message naming file, line and
  column; counts are bounded (``MAX_BIN_COUNT`` per bin, ``MAX_JOBS`` in all), the bound
  itself being accepted.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from infra.errors import UserError
from infra.simulate import trace as trace_module
from infra.simulate.trace import expand_counts, load_trace

COUNT_HEADER = "time,start_gpu_job,end_gpu_job,start_gpu_num"


def _write(tmp_path: Path, lines: list[str], name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _jobs(path: Path) -> list[tuple[float, float, float]]:
    trace = expand_counts(path)
    return list(zip(trace.submit, trace.duration, trace.gpus, strict=True))


def _note(jobs: int, dropped: int) -> str:
    return (f"rebuilt {jobs} jobs from 10-minute counts (FIFO pairing of starts and ends; "
            f"{dropped} ends of jobs running before the trace dropped)")


# (rows after the header, expected (submit, duration, gpus) jobs, expected dropped ends)
EXPANSIONS = [
    pytest.param(
        # 5-minute bins: two starts sharing 3 GPUs (2 + 1) at 75 s and 225 s; one end at
        # 150 s closes the first; the second runs to the end of the last bin (600 s).
        ["2020-04-01 00:00:00,2,1,3", "2020-04-01 00:05:00,0,0,0"],
        [(75.0, 75.0, 2.0), (225.0, 375.0, 1.0)], 0, id="width-is-the-spacing-of-rows"),
    pytest.param(
        # One row: a 600 s bin. The end at 100 s pairs with the start at 300 s (1 s minimum);
        # the other two ends have no start left and are dropped.
        ["2020-04-01 00:00:00,1,3,1"],
        [(300.0, 1.0, 1.0)], 2, id="single-row-is-a-600s-bin"),
    pytest.param(
        # Ends before any start (jobs running when the trace began) are dropped; a start
        # asking for 0 GPUs still needs 1.
        ["2020-04-01 00:00:00,0,2,0", "2020-04-01 00:10:00,1,0,0",
         "2020-04-01 00:20:00,0,1,0"],
        [(900.0, 600.0, 1.0)], 2, id="ends-before-starts-are-dropped"),
    pytest.param(
        # The largest count a bin may hold is accepted: one job of 100,000 GPUs.
        ["2020-04-01 00:00:00,1,0,100000"],
        [(300.0, 300.0, 100000.0)], 0, id="max-bin-count-accepted"),
]


@pytest.mark.parametrize(("rows", "expected", "dropped"), EXPANSIONS)
def test_counts_expand_to_exactly_the_documented_jobs(tmp_path, rows, expected, dropped):
    path = _write(tmp_path, [COUNT_HEADER, *rows])
    trace = expand_counts(path)
    assert _jobs(path) == expected
    assert trace.notes == [_note(len(expected), dropped)]
    assert trace.name == "t.csv"


# (file lines, line-and-message after "PATH:")
COUNT_REFUSALS = [
    pytest.param(["time,start_gpu_job"],
                 "1: not a throughput file: missing column(s) end_gpu_job, start_gpu_num",
                 id="not-a-throughput-file"),
    pytest.param([COUNT_HEADER, "2020-04-01 00:10:00,1,0,1", "2020-04-01 00:00:00,1,0,1"],
                 "3: column time: rows must be in increasing time order", id="out-of-order"),
    pytest.param([COUNT_HEADER, "2020-04-01 00:10:00,1,0,1", "2020-04-01 00:10:00,1,0,1"],
                 "3: column time: rows must be in increasing time order", id="repeated-time"),
    pytest.param([COUNT_HEADER, "2020-04-01 00:00:00,1,0,1", "2030-04-03 00:00:00,1,0,1"],
                 "3: column time: more than ten years after the first row; replay a part of "
                 "the trace", id="beyond-ten-years"),
    pytest.param([COUNT_HEADER, "2020-04-01 00:00:00,1,0,100001"],
                 "2: column start_gpu_num: '100001' is not a whole number from 0 to 100,000",
                 id="above-max-bin-count"),
    pytest.param([COUNT_HEADER, "2020-04-01 00:00:00,1,0,1",
                  "2020-04-01 00:10:00,1," + "9" * 131073 + ",1"],
                 "3: unreadable row: field larger than field limit (131072)",
                 id="csv-error"),
]


@pytest.mark.parametrize(("lines", "message"), COUNT_REFUSALS)
def test_a_bad_throughput_file_is_refused_at_its_line_and_column(tmp_path, lines, message):
    path = _write(tmp_path, lines)
    with pytest.raises(UserError) as error:
        expand_counts(path)
    assert str(error.value) == f"{path}:{message}"


@pytest.mark.parametrize(("starts", "refused_at"), [((2, 1), None), ((2, 2), 3)])
def test_counts_may_start_max_jobs_and_no_more(tmp_path, monkeypatch, starts, refused_at):
    """Exactly ``MAX_JOBS`` starts are accepted; the row that goes beyond is named (the
    bound is lowered so the file stays small)."""
    monkeypatch.setattr(trace_module, "MAX_JOBS", 3)
    path = _write(tmp_path, [COUNT_HEADER, f"2020-04-01 00:00:00,{starts[0]},0,{starts[0]}",
                             f"2020-04-01 00:10:00,{starts[1]},0,{starts[1]}"])
    if refused_at is None:
        assert len(expand_counts(path)) == sum(starts)
    else:
        with pytest.raises(UserError) as error:
            expand_counts(path)
        assert str(error.value) == f"{path}:{refused_at}: more than 3 jobs; replay a part of " \
                                   "the trace"


# (a job row, the problem after "PATH:2: ")
JOB_PROBLEMS = [
    pytest.param("abc,10,1", "column submit_time_s: 'abc' is not a number", id="submit-nan"),
    pytest.param("4e8,10,1", "column submit_time_s: 4e+08 is more than the 3.15576e+08 s "
                 "(ten years) from the trace origin a replay accepts", id="submit-bound"),
    pytest.param("-1,10,1", "column submit_time_s: -1 must be 0 or more", id="submit-negative"),
    pytest.param("0,-5,1", "column duration_s: -5 must be 0 or more", id="duration-negative"),
    pytest.param("0,4e7,1", "column duration_s: 4e+07 is more than the 3.15576e+07 s (a "
                 "year) a replay accepts", id="duration-bound"),
    pytest.param("0,10,16385", "column num_gpus: 16385 is more than the 16384 GPUs per job a "
                 "replay accepts", id="gpus-bound"),
    pytest.param("0,10,inf", "column num_gpus: 'inf' is not a finite number", id="gpus-inf"),
]


@pytest.mark.parametrize(("row", "problem"), JOB_PROBLEMS)
def test_a_bad_job_value_is_named_by_line_column_and_bound(tmp_path, row, problem):
    path = _write(tmp_path, ["submit_time_s,duration_s,num_gpus", row])
    with pytest.raises(UserError) as error:
        load_trace(path)
    assert error.value.lines == [f"{path}:2: {problem}"]


def test_zero_duration_and_the_bounds_themselves_are_accepted(tmp_path):
    path = _write(tmp_path, ["submit_time_s,duration_s,num_gpus", "0,0,1",
                             f"{trace_module.MAX_TIME_S:.0f},{trace_module.MAX_DURATION_S:.0f},"
                             f"{trace_module.MAX_JOB_GPUS}"])
    trace = load_trace(path)
    assert list(zip(trace.submit, trace.duration, trace.gpus, strict=True)) == [
        (0.0, 0.0, 1.0), (315576000.0, 31557600.0, 16384.0)]


def test_a_throughput_file_written_by_csv_round_trips(tmp_path):
    """The expansion reads what Python's csv module writes (quoted fields, CRLF lines)."""
    path = tmp_path / "quoted.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(COUNT_HEADER.split(","))
        writer.writerow(["2020-04-01 00:00:00", "1", "0", "2"])
    assert _jobs(path) == [(300.0, 300.0, 2.0)]


# (data rows, the notes the trace carries: exactly)
JOB_NOTES = [
    pytest.param(["0,10,1"], [], id="nothing-skipped-no-note"),
    pytest.param(["0,10,1", "5,,2", "6,,1"],
                 ["skipped 2 rows with an empty duration_s (jobs that never ran)"],
                 id="never-ran-counted"),
    pytest.param(["0,10,1", "1,10,0", "5,,2"],
                 ["skipped 1 rows with num_gpus = 0 (CPU-only)",
                  "skipped 1 rows with an empty duration_s (jobs that never ran)"],
                 id="cpu-and-never-ran-counted"),
]


@pytest.mark.parametrize(("rows", "notes"), JOB_NOTES)
def test_skipped_rows_are_counted_in_the_notes(tmp_path, rows, notes):
    trace = load_trace(_write(tmp_path, ["submit_time_s,duration_s,num_gpus", *rows]))
    assert trace.notes == notes
    assert trace.skipped_no_gpu == sum("num_gpus = 0" in n for n in notes)


def test_a_header_with_a_byte_order_mark_is_read(tmp_path):
    """Spreadsheets save CSV as UTF-8 with a byte order mark; the first column is found."""
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffsubmit_time_s,duration_s,num_gpus\r\n3,10,2\r\n".encode())
    trace = load_trace(path)
    assert list(zip(trace.submit, trace.duration, trace.gpus, strict=True)) == [
        (3.0, 10.0, 2.0)]


@pytest.mark.parametrize(("loader", "columns"), [
    (load_trace, "submit_time_s, duration_s, num_gpus"),
    (expand_counts, "time, start_gpu_job, end_gpu_job, start_gpu_num"),
])
def test_an_empty_file_is_refused_naming_the_columns_expected(tmp_path, loader, columns):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(UserError) as error:
        loader(path)
    assert str(error.value) == f"{path}: the file is empty (expected a header with {columns})"


def test_an_unreadable_job_row_is_named_by_its_line(tmp_path):
    path = _write(tmp_path, ["submit_time_s,duration_s,num_gpus", "0,10,1",
                             "0,10," + "9" * 131073])
    with pytest.raises(UserError) as error:
        load_trace(path)
    assert error.value.lines == [f"{path}:3: unreadable row: field larger than field limit "
                                 "(131072)"]
