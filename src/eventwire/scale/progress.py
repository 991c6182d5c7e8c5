"""Progress of a coding run: a rich progress bar with documents/s and ETA on a terminal, a log line every
``interval`` seconds otherwise (to stderr: batch jobs and CI logs show how far a run is).

A reporter is told ``start(total)``, then ``advance(coded=, failed=, skipped=)`` as results come, and
``close()``. Documents skipped because they were done before (resume) leave the work to do: they are
taken off the total rather than counted as fast progress, so the rate and ETA stay honest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
from rich.text import Text

__all__ = ["Reporter", "BarReporter", "LogReporter", "reporter_for", "format_duration"]


def format_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Reporter:
    """Counts; reports nothing. The base of the others, and what runs without progress use."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.total: int | None = None
        self.coded = self.failed = self.skipped = 0
        self.t0 = clock()

    def start(self, total: int | None) -> None:
        self.total = total
        self.t0 = self.clock()

    def advance(self, coded: int = 0, failed: int = 0, skipped: int = 0) -> None:
        self.coded += coded
        self.failed += failed
        self.skipped += skipped

    def close(self) -> None:
        pass

    # ------------------------------------------------------------------ figures
    @property
    def processed(self) -> int:
        return self.coded + self.failed

    @property
    def remaining(self) -> int | None:
        return None if self.total is None else max(0, self.total - self.skipped - self.processed)

    def rate(self) -> float:
        elapsed = self.clock() - self.t0
        return self.processed / elapsed if elapsed > 0 else 0.0

    def eta(self) -> float | None:
        rate, remaining = self.rate(), self.remaining
        if remaining is None or rate <= 0:
            return None
        return remaining / rate

    def line(self) -> str:
        """One line saying where the run is."""
        done = self.processed
        parts = []
        if self.total is not None:
            todo = max(1, self.total - self.skipped)
            parts.append(f"{done:,} of {self.total - self.skipped:,} documents ({100 * done / todo:.0f}%)")
        else:
            parts.append(f"{done:,} documents")
        parts.append(f"{self.rate():.1f} documents/s")
        eta = self.eta()
        if eta is not None and self.remaining:
            parts.append(f"ETA {format_duration(eta)}")
        if self.failed:
            parts.append(f"{self.failed:,} failed")
        if self.skipped:
            parts.append(f"{self.skipped:,} done before, skipped")
        parts.append(f"{format_duration(self.clock() - self.t0)} elapsed")
        return "eventwire: " + ", ".join(parts)


class LogReporter(Reporter):
    """Writes ``line()`` every ``interval`` seconds from a background thread (so a run that is still
    starting its workers says so too), and a last line on close when the run took that long."""

    def __init__(self, write: Callable[[str], None], interval: float = 10.0, clock: Callable[[], float] = time.monotonic):
        super().__init__(clock)
        self.write = write
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lines = 0

    def start(self, total: int | None) -> None:
        super().start(total)
        if self.interval > 0:
            self._thread = threading.Thread(target=self._loop, name="eventwire-progress", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.emit()

    def emit(self) -> None:
        self.write(self.line())
        self.lines += 1

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
            if self.lines:  # a long run: say how it ended
                self.emit()


class _RateColumn(ProgressColumn):
    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} docs/s" if speed else "", style="progress.data.speed")


class BarReporter(Reporter):
    """A rich progress bar: documents done of the total, documents/s, time remaining."""

    def __init__(self, console: Console, clock: Callable[[], float] = time.monotonic):
        super().__init__(clock)
        self.progress = Progress(TextColumn("coding"), BarColumn(), MofNCompleteColumn(), _RateColumn(),
                                 TimeRemainingColumn(), TextColumn("{task.fields[note]}"), console=console,
                                 transient=False)
        self.task = None

    def start(self, total: int | None) -> None:
        super().start(total)
        self.progress.start()
        self.task = self.progress.add_task("coding", total=total, note="")

    def advance(self, coded: int = 0, failed: int = 0, skipped: int = 0) -> None:
        super().advance(coded, failed, skipped)
        notes = []
        if self.failed:
            notes.append(f"{self.failed} failed")
        if self.skipped:
            notes.append(f"{self.skipped} done before")
        update = {"advance": coded + failed, "note": ", ".join(notes)}
        if skipped and self.total is not None:
            update["total"] = self.total - self.skipped
        self.progress.update(self.task, **update)

    def close(self) -> None:
        self.progress.stop()


def reporter_for(console: Console, total: int | None, *, min_total: int = 4, interval: float = 10.0) -> Reporter:
    """A bar on a terminal (for runs of at least ``min_total`` documents), log lines to ``console``
    otherwise."""
    if console.is_terminal:
        return BarReporter(console) if total is None or total >= min_total else Reporter()

    def write(line: str) -> None:
        console.print(line, highlight=False, soft_wrap=True, markup=False)

    return LogReporter(write, interval=interval)
