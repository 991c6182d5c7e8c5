"""The command-line options of a coding run, declared once for every command that codes articles
(``eventwire code`` now, ``eventwire ingest`` later): add the ``Annotated`` aliases below to the
command's signature and build the run's options with :func:`scale_options`."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from .options import ScaleError, ScaleOptions

__all__ = ["Engine", "WorkersOption", "EngineOption", "SchedulerOption", "ResumeOption", "CheckpointOption",
           "RunDirOption", "DocTimeoutOption", "MaxSentenceTokensOption", "scale_options"]

PANEL = "Scale and resume"


class Engine(str, Enum):
    local = "local"
    dask = "dask"


WorkersOption = Annotated[Optional[int], typer.Option(
    "--workers", min=1, rich_help_panel=PANEL,
    help="Worker processes, each loading the model once (default: one per core, fewer for a few inputs; "
         "1 codes in this process). With --engine dask and no --scheduler: the LocalCluster's workers.")]
EngineOption = Annotated[Engine, typer.Option(
    "--engine", rich_help_panel=PANEL, case_sensitive=False,
    help="local: processes on this machine. dask: a Dask cluster (a LocalCluster unless --scheduler); "
         "results go through Parquet partitions in --run-dir.")]
SchedulerOption = Annotated[Optional[str], typer.Option(
    "--scheduler", rich_help_panel=PANEL, metavar="ADDRESS",
    help="Dask scheduler to use, e.g. tcp://10.0.0.5:8786 (with --engine dask).")]
ResumeOption = Annotated[Optional[bool], typer.Option(
    "--resume/--no-resume", rich_help_panel=PANEL, show_default=False,
    help="Skip documents already done (in the store, or in --checkpoint), so that a killed run restarted "
         "with the same command codes only what is left. Default: on for parallel runs (--workers > 1 "
         "or --engine dask), off for a run in this process.")]
CheckpointOption = Annotated[Optional[str], typer.Option(
    "--checkpoint", rich_help_panel=PANEL, metavar="PATH",
    help="A file recording the content hash of each document written out, for resuming runs without a "
         "store (--no-db); created if missing.")]
RunDirOption = Annotated[Optional[str], typer.Option(
    "--run-dir", rich_help_panel=PANEL, metavar="DIR",
    help="Folder for Dask's Parquet partitions (default: beside the DB, news.duckdb -> news.parts/). "
         "With --scheduler it must be a folder the workers share.")]

DocTimeoutOption = Annotated[Optional[float], typer.Option(
    "--doc-timeout", metavar="SECONDS", min=0.001,
    help="Stop a document that takes longer than this to code, report it (exit status 1) and go on with "
         "the others. Default: no limit.")]
MaxSentenceTokensOption = Annotated[int, typer.Option(
    "--max-sentence-tokens", min=0,
    help="Split sentences longer than this many tokens (a run without a full stop or a line break) before "
         "coding; the document carries a warning. 0: no limit.")]


def scale_options(*, workers: int | None, engine: Engine | str, scheduler: str | None, resume: bool | None,
                  checkpoint: str | None, run_dir: str | None, model: str | None, batch_size: int,
                  max_chars: int, stored: bool, streamed: bool, lexicon: str | None = None,
                  people=None, max_sentence_tokens: int | None = None,
                  doc_timeout: float | None = None) -> ScaleOptions:
    """The run's options from a command's; raises ``ScaleError`` for a usage error. ``stored``: the run
    writes to a store; ``streamed``: each document is written out as soon as it is coded (not all at
    the end), which a checkpoint without a store needs."""
    options = ScaleOptions(
        workers=workers, engine=engine.value if isinstance(engine, Engine) else str(engine), scheduler=scheduler,
        model=model, batch_size=batch_size, max_chars=max_chars, resume=resume, checkpoint=checkpoint,
        run_dir=run_dir, lexicon=lexicon, people=people, doc_timeout=doc_timeout,
    )
    if max_sentence_tokens is not None:
        options.max_sentence_tokens = max_sentence_tokens
    options.validate()
    if checkpoint and not stored and not streamed:
        raise ScaleError("--checkpoint without a store needs a format that writes each document as it is coded "
                         "(--format jsonl or table); --format json writes them all at the end")
    return options
