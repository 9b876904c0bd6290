"""The command line, run as a real process: plan, apply, parse; exit codes and output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import run_bot

REPO = Path(__file__).resolve().parent.parent
SEED_JSON = REPO / "sample" / "requests" / "seed.json"
SEED_ISSUE = REPO / "sample" / "requests" / "seed-issue.md"


bot = run_bot


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def snapshot(data_dir: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file()}


def test_plan_prints_the_moves_and_changes_nothing(sample_data_dir: Path, cache: Path) -> None:
    before = snapshot(sample_data_dir)
    result = bot("plan", "--data", sample_data_dir, SEED_JSON, cache=cache)
    assert result.returncode == 0, result.stderr
    assert "Move 3 paper(s) from tingfeng-hui/unverified to tingfeng-hui" in result.stdout
    assert "new person tingfeng-hui" in result.stdout
    assert snapshot(sample_data_dir) == before


def test_plan_json_and_issue_body_give_the_same_plan(sample_data_dir: Path, cache: Path) -> None:
    from_json = bot("plan", "--json", "--data", sample_data_dir, SEED_JSON, cache=cache)
    from_issue = bot("plan", "--json", "--data", sample_data_dir, SEED_ISSUE, cache=cache)
    assert from_json.returncode == from_issue.returncode == 0
    a, b = json.loads(from_json.stdout), json.loads(from_issue.stdout)
    assert a["ok"] and a["moves"] == b["moves"] and a["people_changes"] == b["people_changes"]
    assert [m["paper"] for m in a["moves"]] == [
        "2025.acl-long.5",
        "2025.acl-long.12",
        "2023.findings-emnlp.3",
    ]


def test_apply_changes_exactly_the_planned_lines(sample_data_dir: Path, cache: Path) -> None:
    before = snapshot(sample_data_dir)
    result = bot("apply", "--data", sample_data_dir, SEED_ISSUE, cache=cache)
    assert result.returncode == 0, result.stderr
    after = snapshot(sample_data_dir)
    changed = sorted(
        p.relative_to(sample_data_dir).as_posix() for p in after if after[p] != before[p]
    )
    assert changed == ["json/people.json", "xml/2023.findings.xml", "xml/2025.acl.xml"]
    for name in ("xml/2023.findings.xml", "xml/2025.acl.xml"):
        old = before[sample_data_dir / name].decode().splitlines()
        new = after[sample_data_dir / name].decode().splitlines()
        diff = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
        assert diff and all(
            b == a.replace("<author>", '<author id="tingfeng-hui">', 1) for a, b in diff
        )
    # Applying again: the papers are no longer on the unverified page.
    again = bot("apply", "--data", sample_data_dir, SEED_JSON, cache=cache)
    assert again.returncode == 2
    assert "is not on the page tingfeng-hui/unverified" in again.stderr


def test_problems_exit_2_with_one_line_each(
    sample_data_dir: Path, cache: Path, tmp_path: Path
) -> None:
    request = tmp_path / "bad.json"
    request.write_text(
        json.dumps(
            {
                "source": "tingfeng-hui/unverified",
                "papers": ["2025.acl-long.5", "2099.nope-1.1"],
                "target": {"kind": "new", "orcid": "0000-0002-1825-0098", "degree": "JHU"},
            }
        )
    )
    before = snapshot(sample_data_dir)
    result = bot("apply", "--data", sample_data_dir, request, cache=cache)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("papers: 2099.nope-1.1 is not in the Anthology data")
    assert lines[1].startswith("orcid: ")
    assert "Traceback" not in result.stderr
    assert snapshot(sample_data_dir) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"source": "x", "papers": "2024.acl-long.1", "target": {"kind": "new"}}', "'papers'"),
        ('{"source": "x", "papers": [], "target": {"kind": "someone"}}', "target.kind"),
    ],
)
def test_malformed_requests_are_explained(
    sample_data_dir: Path, cache: Path, tmp_path: Path, content: str, message: str
) -> None:
    request = tmp_path / "r.json"
    request.write_text(content)
    result = bot("plan", "--data", sample_data_dir, request, cache=cache)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_not_a_data_directory(tmp_path: Path, cache: Path) -> None:
    result = bot("plan", "--data", tmp_path, SEED_JSON, cache=cache)
    assert result.returncode == 1
    assert "is not an Anthology data directory" in result.stderr


def test_parse_reads_an_issue_without_and_with_data(sample_data_dir: Path, cache: Path) -> None:
    plain = bot("parse", "--json", SEED_ISSUE, cache=cache)
    assert plain.returncode == 0, plain.stdout
    parsed = json.loads(plain.stdout)
    assert parsed["request"]["source"] == "tingfeng-hui/unverified"
    assert parsed["request"]["target"]["orcid"] == "0000-0002-7182-8185"
    checked = bot("parse", "--json", "--data", sample_data_dir, SEED_ISSUE, cache=cache)
    assert json.loads(checked.stdout)["problems"] == []


def test_a_reader_that_goes_away_is_no_traceback(sample_data_dir: Path, cache: Path) -> None:
    """``python -m bot plan ... | head -1``: the pipe closes before the plan is printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "plan", "--data", str(sample_data_dir), str(SEED_JSON)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"ANTHOLOGY_BOT_CACHE": str(cache), "PATH": "/usr/bin:/bin"},
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before the process has written anything (it takes ~0.3 s to start)
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141
    assert stderr == ""


# -- what people get wrong: one line on standard error, never a traceback ---------------


def assert_one_error_line(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.startswith("error: ") and words in result.stderr, result.stderr


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_user_errors_are_one_line_without_a_traceback(
    command: str, sample_data_dir: Path, cache: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.json"
    assert_one_error_line(
        bot(command, "--data", sample_data_dir, missing, cache=cache),
        f"the request file {missing} does not exist",
    )
    assert_one_error_line(
        bot(command, "--data", sample_data_dir, tmp_path, cache=cache), "is a folder, not a file"
    )
    latin1 = tmp_path / "latin1.md"
    latin1.write_bytes("### Name\n\nJos\xe9".encode("latin-1"))
    assert_one_error_line(
        bot(command, "--data", sample_data_dir, latin1, cache=cache), "is not UTF-8 text"
    )
    locked = tmp_path / "locked.json"
    locked.write_text("{}")
    locked.chmod(0)
    try:
        if not os.access(locked, os.R_OK):  # root reads anything
            assert_one_error_line(
                bot(command, "--data", sample_data_dir, locked, cache=cache), "permission denied"
            )
    finally:
        locked.chmod(0o644)
    assert_one_error_line(
        bot(command, "--data", tmp_path / "no-data", SEED_JSON, cache=cache),
        "is not an Anthology data directory",
    )


def test_parse_user_errors_are_one_line(tmp_path: Path, cache: Path) -> None:
    missing = tmp_path / "issue.md"
    assert_one_error_line(
        bot("parse", missing, cache=cache), f"the issue file {missing} does not exist"
    )
    assert_one_error_line(
        bot("parse", "--data", tmp_path, SEED_ISSUE, cache=cache),
        "is not an Anthology data directory",
    )


def test_plan_prints_each_problem_once_on_standard_error(
    sample_data_dir: Path, cache: Path, tmp_path: Path
) -> None:
    request = tmp_path / "half.json"
    request.write_text(
        json.dumps(
            {
                "source": "tingfeng-hui/unverified",
                "papers": ["2025.acl-long.5", "2099.nope-1.1"],
                "target": {"kind": "existing", "id": "shuohuan-wang"},
            }
        )
    )
    result = bot("plan", "--data", sample_data_dir, request, cache=cache)
    assert result.returncode == 2
    problem = "2099.nope-1.1 is not in the Anthology data"
    assert problem not in result.stdout
    assert result.stderr.count(problem) == 1, result.stderr


def test_parse_writes_the_request_to_stdout_and_problems_to_stderr(
    tmp_path: Path, cache: Path
) -> None:
    issue = tmp_path / "issue.md"
    seed = SEED_ISSUE.read_text(encoding="utf-8")
    issue.write_text(re.sub(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", "0000-0002-1825", seed))
    result = bot("parse", issue, cache=cache)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines and all(": " in line for line in lines)
    assert any(line.startswith("orcid: ") for line in lines), result.stderr
    assert "Traceback" not in result.stderr
    for line in lines:
        assert line not in result.stdout


def test_orcids_example_id_is_refused_in_a_request_and_in_an_issue(
    sample_data_dir: Path, cache: Path, tmp_path: Path
) -> None:
    from bot.anthology.people import EXAMPLE_ORCID

    request = json.loads(SEED_JSON.read_text(encoding="utf-8"))
    request["target"]["orcid"] = EXAMPLE_ORCID
    (tmp_path / "example.json").write_text(json.dumps(request))
    planned = bot("plan", "--data", sample_data_dir, tmp_path / "example.json", cache=cache)
    assert planned.returncode == 2
    assert planned.stderr.strip() == (
        f"orcid: {EXAMPLE_ORCID} is the example iD from ORCID's documentation, not a person's "
        "own. Please copy your own iD from your ORCID record (https://orcid.org/)."
    )

    issue = tmp_path / "example.md"
    seed = SEED_ISSUE.read_text(encoding="utf-8")
    issue.write_text(re.sub(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", EXAMPLE_ORCID, seed))
    parsed = bot("parse", "--data", sample_data_dir, issue, cache=cache)
    assert parsed.returncode == 2
    [line] = [ln for ln in parsed.stderr.splitlines() if ln.startswith("orcid: ")]
    assert "example iD from ORCID's documentation" in line and "https://orcid.org/" in line
