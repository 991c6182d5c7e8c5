"""benchmarks/api_load.py, briefly: two clients for a few seconds against a real ``eventwire serve``, alone
and while an ``eventwire ingest`` writes the same store. No request may fail; nothing is timed."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from conftest import ROOT

SCRIPT = ROOT / "benchmarks" / "api_load.py"


def load_module():
    spec = importlib.util.spec_from_file_location("api_load", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["api_load"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_percentiles_by_nearest_rank():
    api_load = load_module()
    values = [float(v) for v in range(1, 101)]
    assert api_load.percentile(values, 50) == 50.0
    assert api_load.percentile(values, 99) == 99.0
    assert api_load.percentile([0.3, 0.1, 0.2], 50) == 0.2
    assert api_load.percentile([0.3, 0.1, 0.2], 99) == 0.3
    assert api_load.percentile([], 50) is None


@pytest.mark.parametrize("args, problem", [(["--clients", "0"], "--clients"), (["--seconds", "0"], "--seconds"),
                                           (["--write-ratio", "1.5"], "--write-ratio")])
def test_bad_options_are_exit_2_naming_the_option(args, problem):
    result = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert problem in result.stderr


def test_load_alone_and_alongside_an_ingest_has_no_errors(tmp_path):
    out = tmp_path / "load.json"
    result = subprocess.run([sys.executable, str(SCRIPT), "--clients", "2", "--seconds", "3", "--write-ratio", "0.3",
                             "--with-ingest", "--json", str(out)], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(out.read_text())
    assert report["errors"] == 0
    assert set(report["phases"]) == {"serve", "serve_with_ingest"}
    for phase in report["phases"].values():
        events = phase["GET /v1/events"]
        assert events["ok"] > 0 and events["errors"] == 0
        assert phase["POST /v1/code"]["errors"] == 0
        assert events["p50_ms"] <= events["p99_ms"]
    ingest = report["phases"]["serve_with_ingest"]["ingest"]
    assert ingest["failed"] == 0
    assert ingest["stored_in_all"] > 0  # the writer wrote beside the server (how much in 3 s depends on the machine)
    assert "errors: 0" in result.stdout
