"""GitHub's published API description judges the bot's requests and the stand-in.

The judge (``tests/openapi_conformance.py``) also runs after every test through the
autouse fixture in ``conftest.py``; these tests show that it can fail (wrong
requests, answers and payloads are caught), that it sees the traffic of a real
stand-in, and that a whole end-to-end flow of the bot is clean.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from github import Auth, Github

from tests.github_standin import GitHubStandIn, make_bare_repo
from tests.github_standin.shapes import Shapes
from tests.openapi_conformance import (
    Exchange,
    GitHubApiJudge,
    descriptions_installed,
    judge_traffic,
    openapi30_to_json_schema,
    session_judge,
)

pytestmark = pytest.mark.skipif(
    not descriptions_installed(),
    reason="GitHub's API description is not installed (./dev test installs it with npm)",
)

REPO = "acl-org/acl-anthology"
ISSUE = "/repos/acl-org/acl-anthology/issues/1"


@pytest.fixture(scope="module")
def judge() -> GitHubApiJudge:
    return session_judge()


@pytest.fixture(scope="module")
def shapes() -> Shapes:
    return Shapes("http://127.0.0.1:1", "acl-org", "acl-anthology", 1234567, None, "bot")


def exchange(
    method: str,
    path: str,
    body: Any = None,
    status: int = 200,
    answer: Any = None,
    query: str = "",
    fault: str | None = None,
) -> Exchange:
    return Exchange(
        method=method,
        path=path,
        query=query,
        request_body=b"" if body is None else json.dumps(body).encode(),
        request_type="application/json" if body is not None else "",
        status=status,
        response_body=b"" if answer is None else json.dumps(answer).encode(),
        response_type="application/json",
        fault=fault,
    )


def comment_json(shapes: Shapes) -> dict[str, Any]:
    from tests.github_standin.state import Comment

    return shapes.comment(Comment(id=5, issue_number=1, body="Hello", user="octo-user"))


# -- the judge can fail ----------------------------------------------------------------


def test_nullable_becomes_a_null_type() -> None:
    assert openapi30_to_json_schema({"type": "string", "nullable": True}) == {
        "type": ["string", "null"]
    }
    assert openapi30_to_json_schema({"allOf": [{"$ref": "#/x"}], "nullable": True}) == {
        "anyOf": [{"allOf": [{"$ref": "#/x"}]}, {"type": "null"}]
    }
    assert openapi30_to_json_schema({"enum": ["a"], "type": "string", "nullable": True}) == {
        "enum": ["a", None],
        "type": ["string", "null"],
    }


def test_a_documented_request_and_answer_pass(judge: GitHubApiJudge, shapes: Shapes) -> None:
    ok = exchange("POST", f"{ISSUE}/comments", {"body": "Hi"}, 201, comment_json(shapes))
    assert judge.check_exchange(ok) == []


def test_wrong_requests_are_caught(judge: GitHubApiJudge, shapes: Shapes) -> None:
    answer = comment_json(shapes)
    no_body = judge.check_request(exchange("POST", f"{ISSUE}/comments", None, 201, answer))
    assert [m.message for m in no_body] == ["the operation requires a body; none was sent"]
    wrong_type = judge.check_request(exchange("POST", f"{ISSUE}/comments", {"body": 5}))
    assert len(wrong_type) == 1 and "is not of type 'string'" in wrong_type[0].message
    bare_labels = judge.check_request(exchange("POST", f"{ISSUE}/labels", ["bug"]))
    assert bare_labels and "is not of type 'object'" in bare_labels[0].message
    unknown = judge.check_request(exchange("POST", f"{ISSUE}/bananas", {}))
    assert [m.message for m in unknown] == ["no such operation in GitHub's REST API"]
    wrong_method = judge.check_request(exchange("PUT", f"{ISSUE}/comments", {"body": "x"}))
    assert [m.message for m in wrong_method] == ["no such operation in GitHub's REST API"]
    query = judge.check_request(
        exchange("GET", "/repos/acl-org/acl-anthology/pulls", query="state=merged&colour=red")
    )
    assert sorted(m.message for m in query) == [
        "query parameter 'colour' is not documented",
        "query parameter state='merged' is not one of ['open', 'closed', 'all']",
    ]


def test_wrong_answers_are_caught(judge: GitHubApiJudge, shapes: Shapes) -> None:
    answer = comment_json(shapes)
    del answer["node_id"]
    missing = judge.check_response(
        exchange("POST", f"{ISSUE}/comments", {"body": "x"}, 201, answer)
    )
    assert [m.message for m in missing] == ["at (top): 'node_id' is a required property"]
    status = judge.check_response(
        exchange("POST", f"{ISSUE}/comments", {"body": "x"}, 200, comment_json(shapes))
    )
    assert len(status) == 1 and "status 200 is not documented" in status[0].message
    # An injected fault may answer with any status; a rate limit must still look like GitHub's.
    assert judge.check_response(exchange("GET", ISSUE, status=418, answer={}, fault="status")) == []
    shapeless = judge.check_response(exchange("GET", ISSUE, status=403, answer={"oops": 1}))
    assert shapeless and "'message' is a required property" in shapeless[0].message
    no_content = judge.check_response(
        exchange("DELETE", "/repos/acl-org/acl-anthology/git/refs/heads/x", status=204, answer={})
    )
    assert [m.message for m in no_content] == ["a 204 answer has a body"]


def test_wrong_webhook_payloads_are_caught(judge: GitHubApiJudge, standin: GitHubStandIn) -> None:
    _, payload = standin.open_issue("Title", "Body")
    assert judge.check_webhook("issues", payload) == []
    broken = json.loads(json.dumps(payload))
    del broken["sender"]
    broken["issue"]["number"] = "one"
    messages = [m.message for m in judge.check_webhook("issues", broken)]
    assert messages == [
        "at (top): 'sender' is a required property",
        "at issue/number: 'one' is not of type 'integer'",
    ]
    assert [m.message for m in judge.check_webhook("issues", dict(payload, action="eaten"))] == [
        "no such event and action in GitHub's webhooks"
    ]


# -- the judge sees a real stand-in's traffic ----------------------------------------


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[GitHubStandIn]:
    bare = make_bare_repo(tmp_path / "acl-anthology.git", {"README.md": "# data\n"})
    with GitHubStandIn(repo=REPO, bare_repo_path=bare) as server:
        yield server


def client(standin: GitHubStandIn) -> Github:
    return Github(
        base_url=standin.url,
        auth=Auth.Token(standin.token),
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )


@pytest.mark.github_offspec("the stand-in is made to drift on purpose")
def test_a_drifting_stand_in_is_caught(
    standin: GitHubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    number, _ = standin.open_issue("Title", "Body")
    original = Shapes.comment

    def drifted(self: Shapes, comment: Any) -> dict[str, Any]:
        data = original(self, comment)
        data["created_at"] = 1700000000  # a number where GitHub sends a timestamp string
        return data

    monkeypatch.setattr(Shapes, "comment", drifted)
    client(standin).get_repo(REPO).get_issue(number).create_comment("Hello")
    mismatches = judge_traffic(standin.requests, [])
    assert [str(m) for m in mismatches] == [
        f"response POST {ISSUE.replace('/1', f'/{number}')}/comments -> 201 "
        "(issues/create-comment): at created_at: 1700000000 is not of type 'string'"
    ]


def test_a_clean_stand_in_session_passes(standin: GitHubStandIn) -> None:
    number, opened = standin.open_issue("Title", "Body")
    issue = client(standin).get_repo(REPO).get_issue(number)
    comment = issue.create_comment("Hello")
    comment.edit("Hello again")
    comment.create_reaction("eyes")
    edited = standin.edit_issue(number, body="New body")
    assert len(standin.requests) >= 5
    assert judge_traffic(standin.requests, [("issues", opened), ("issues", edited)]) == []


# -- the bot's whole flow ------------------------------------------------------------


def test_the_bots_traffic_in_a_full_flow_is_what_github_documents(service: Any) -> None:
    """File the seed's issue, let a real worker process it: every request the bot
    made and every answer and payload the stand-in produced is documented."""
    from tests.test_e2e_service import file_seed_issue

    number, payload = file_seed_issue(service)
    assert service.deliver("issues", payload).status_code == 202
    assert service.run_worker() == 0, service.log_text()
    assert len(service.pulls()) == 1
    comment_id, commented = service.standin.add_comment(number, "/retry", "maintainer")
    assert comment_id
    merged = service.standin.merge_pull(service.pulls()[0].number)

    judge = session_judge()
    operations = {
        op.operation_id
        for r in service.standin.requests
        if not r.git and (op := judge.operation(r.method, r.path)) is not None
    }
    # The flow really exercised the bot's writes, so the check below is not vacuous.
    assert {"issues/create-comment", "pulls/create", "issues/add-labels"} <= operations, operations
    payloads = [("issues", payload), ("issue_comment", commented), ("pull_request", merged)]
    assert judge_traffic(service.standin.requests, payloads) == []


def test_the_description_files_are_the_pinned_ones(repo_root: Path) -> None:
    manifest = json.loads((repo_root / "tests" / "openapi" / "package.json").read_text())
    lock = json.loads((repo_root / "tests" / "openapi" / "package-lock.json").read_text())
    for name, version in manifest["dependencies"].items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
