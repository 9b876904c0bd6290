"""GitHub's own API description as the judge of the tests' GitHub traffic.

The GitHub stand-in (``tests/github_standin``) is the only GitHub the tests know,
so nothing else would notice if the bot's requests, or the stand-in's answers and
webhook payloads, drifted away from what github.com does. This module checks them
against GitHub's published descriptions, installed from the npm registry by
``./dev test`` (``tests/openapi/package.json``, pinned versions):

* ``@octokit/openapi``: the REST API (OpenAPI 3.0). A request must name a
  documented operation (method + path template), use only its documented query
  parameters and send a body its request schema accepts; an answer must have a
  documented status and a body its response schema accepts.
* ``@octokit/openapi-webhooks``: the webhook payloads (OpenAPI 3.1), one schema
  per event and action (``issues-opened``, ``push``...).

The descriptions are large (13 MB); they are parsed once per session and only the
schemas an operation refers to are converted and compiled, once each.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from tests.fulldata import REPO_ROOT

#: Where ``./dev test`` installs the npm packages; ``GITHUB_OPENAPI_DIR`` overrides it
#: (the directory holding ``@octokit/``).
DEFAULT_PACKAGES_DIR = REPO_ROOT / "tests" / "openapi" / "node_modules"
REST_SPEC = Path("@octokit/openapi/generated/api.github.com.json")
WEBHOOK_SPEC = Path("@octokit/openapi-webhooks/generated/api.github.com.json")

# GitHub answers these on any endpoint although few operations list them: bad
# credentials, rate limits, server errors. They still have to look like GitHub's errors.
_ANY_ENDPOINT_STATUSES = frozenset({401, 403, 429, 500, 502, 503, 504})
# Their body: GitHub's basic error, which always carries a message.
_ANY_ENDPOINT_ERROR = {
    "allOf": [{"$ref": "#/components/schemas/basic-error"}],
    "required": ["message"],
}
_PARAMETER = re.compile(r"\{([^}]+)\}")


def packages_dir() -> Path:
    """The ``node_modules`` directory that holds the ``@octokit`` description packages."""
    return Path(os.environ.get("GITHUB_OPENAPI_DIR", DEFAULT_PACKAGES_DIR))


def descriptions_installed() -> bool:
    """Whether both descriptions are installed (``./dev test`` installs them)."""
    base = packages_dir()
    return (base / REST_SPEC).is_file() and (base / WEBHOOK_SPEC).is_file()


@dataclass(frozen=True)
class Exchange:
    """One HTTP request to the stand-in and its answer, as recorded."""

    method: str
    path: str
    query: str
    request_body: bytes
    request_type: str
    status: int
    response_body: bytes
    response_type: str
    fault: str | None = None

    @property
    def label(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"{self.method} {self.path}{query} -> {self.status}"


@dataclass(frozen=True)
class Mismatch:
    """One way in which traffic differs from GitHub's description."""

    kind: str  # "request", "response" or "webhook"
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}: {self.message}"


@dataclass(frozen=True)
class Operation:
    """A documented REST operation."""

    method: str
    template: str
    spec: dict[str, Any]

    @property
    def operation_id(self) -> str:
        return str(self.spec.get("operationId", f"{self.method} {self.template}"))


def openapi30_to_json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema 2020-12: ``nullable: true`` becomes
    ``null`` among the types (or ``anyOf`` with null where there is no ``type``)."""
    if isinstance(node, list):
        return [openapi30_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {
        key: openapi30_to_json_schema(value)
        for key, value in node.items()
        if key not in ("nullable", "example", "examples")
    }
    if node.get("nullable") is not True:
        return converted
    if isinstance(converted.get("type"), str):
        converted["type"] = [converted["type"], "null"]
        if "enum" in converted and None not in converted["enum"]:
            converted["enum"] = [*converted["enum"], None]
        return converted
    return {"anyOf": [converted, {"type": "null"}]}


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _pointer(document: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are supported, not {ref!r}")
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _with_components(document: dict[str, Any], schema: Any, convert: bool) -> dict[str, Any]:
    """``schema`` plus the components it refers to (transitively), ready to compile:
    local ``#/components/...`` references resolve against the returned document."""
    needed: dict[str, Any] = {}
    pending = list(_refs(schema))
    while pending:
        ref = pending.pop()
        if ref in needed:
            continue
        target = _pointer(document, ref)
        needed[ref] = target
        pending.extend(_refs(target))
    root: dict[str, Any] = {"allOf": [schema]}
    for ref, target in needed.items():
        node = root
        parts = ref[2:].split("/")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = target
    result = openapi30_to_json_schema(root) if convert else root
    result["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return result


@dataclass(frozen=True)
class Allowance:
    """A place where github.com itself differs from its description: not a mismatch.

    ``operation`` is an operationId or webhook name, ``location`` a regex over the
    error's location in the body (``0/labels/1/description``)."""

    operation: str
    location: str
    reason: str


ALLOWANCES: tuple[Allowance, ...] = (
    Allowance(
        "pulls/list",
        r"\d+/labels/\d+/description",
        "the list's inline label schema says string, but github.com sends null for a "
        "label without a description (as the full label schema and every real payload "
        "in octokit/webhooks do)",
    ),
)


def _allowed(operation: str, location: str) -> bool:
    return any(a.operation == operation and re.fullmatch(a.location, location) for a in ALLOWANCES)


def _errors(
    validator: Draft202012Validator, instance: Any, operation: str = "", limit: int = 3
) -> list[str]:
    found = []
    for error in validator.iter_errors(instance):
        best = error
        # anyOf/oneOf errors are vague; the deepest sub-error names the real field.
        while best.context:
            best = max(best.context, key=lambda e: len(list(e.absolute_path)))
        location = "/".join(str(p) for p in best.absolute_path) or "(top)"
        if not _allowed(operation, location):
            found.append((location, best.message))
    found.sort()
    messages = [f"at {location}: {message[:300]}" for location, message in found[:limit]]
    if len(found) > limit:
        messages.append(f"... and {len(found) - limit} more")
    return messages


class GitHubApiJudge:
    """Checks requests, answers and webhook payloads against GitHub's descriptions."""

    def __init__(self, rest: dict[str, Any], webhooks: dict[str, Any]) -> None:
        self.rest = rest
        self.webhooks = webhooks
        # Operations by number of path segments, most literal segments first, so
        # that ``/issues/comments/{id}`` wins over ``/issues/{issue_number}/...``.
        self._by_length: dict[int, list[tuple[re.Pattern[str], Operation]]] = {}
        self._greedy: list[tuple[re.Pattern[str], Operation]] = []
        for template, item in rest["paths"].items():
            for method, spec in item.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                operation = Operation(method.upper(), template, spec)
                exact = _template_regex(template, greedy_last=False)
                self._by_length.setdefault(template.count("/"), []).append((exact, operation))
                if template.endswith("}"):
                    # The last parameter may hold slashes (branch names, refs, labels).
                    self._greedy.append((_template_regex(template, greedy_last=True), operation))
        for entries in self._by_length.values():
            entries.sort(key=lambda entry: -_literal_segments(entry[1].template))
        self._greedy.sort(key=lambda entry: -_literal_segments(entry[1].template))
        self._validators: dict[tuple[str, ...], Draft202012Validator] = {}

    @classmethod
    def load(cls, base: Path | None = None) -> GitHubApiJudge:
        """Parse both descriptions from the installed npm packages."""
        base = base or packages_dir()
        rest = json.loads((base / REST_SPEC).read_text(encoding="utf-8"))
        webhooks = json.loads((base / WEBHOOK_SPEC).read_text(encoding="utf-8"))
        return cls(rest, webhooks)

    # -- lookup ----------------------------------------------------------------

    def operation(self, method: str, path: str) -> Operation | None:
        """The documented operation a request is for, or None."""
        method = method.upper()
        path = path.rstrip("/") or "/"
        for pattern, operation in self._by_length.get(path.count("/"), []):
            if operation.method == method and pattern.fullmatch(path):
                return operation
        for pattern, operation in self._greedy:
            if operation.method == method and pattern.fullmatch(path):
                return operation
        return None

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = _pointer(self.rest, node["$ref"])
        return node

    def _validator(
        self, key: tuple[str, ...], document: dict[str, Any], schema: Any, convert: bool
    ) -> Draft202012Validator:
        validator = self._validators.get(key)
        if validator is None:
            validator = Draft202012Validator(_with_components(document, schema, convert))
            self._validators[key] = validator
        return validator

    # -- checks ----------------------------------------------------------------

    def check_request(self, exchange: Exchange) -> list[Mismatch]:
        """Whether a request is one GitHub documents: operation, query, body."""
        subject = exchange.label
        operation = self.operation(exchange.method, exchange.path)
        if operation is None:
            return [Mismatch("request", subject, "no such operation in GitHub's REST API")]
        problems: list[str] = []
        parameters = [self._resolve(p) for p in operation.spec.get("parameters", [])]
        query_params = {p["name"]: p for p in parameters if p.get("in") == "query"}
        for name, value in urllib.parse.parse_qsl(exchange.query, keep_blank_values=True):
            param = query_params.get(name)
            if param is None:
                problems.append(f"query parameter {name!r} is not documented")
                continue
            problems += _query_value_problems(name, value, param.get("schema", {}))
        body_spec = operation.spec.get("requestBody")
        body = exchange.request_body.strip()
        if body_spec is None:
            if body not in (b"", b"{}", b"null"):
                problems.append("sends a body to an operation that takes none")
        else:
            body_spec = self._resolve(body_spec)
            content = body_spec.get("content", {})
            if not body:
                if body_spec.get("required"):
                    problems.append("the operation requires a body; none was sent")
            elif "application/json" in content:
                try:
                    data = json.loads(body)
                except ValueError:
                    problems.append("the body is not JSON")
                else:
                    schema = content["application/json"].get("schema", {})
                    key = ("request", operation.method, operation.template)
                    validator = self._validator(key, self.rest, schema, convert=True)
                    problems += _errors(validator, data, operation.operation_id)
        return [Mismatch("request", f"{subject} ({operation.operation_id})", p) for p in problems]

    def check_response(self, exchange: Exchange) -> list[Mismatch]:
        """Whether an answer is one GitHub documents for that request."""
        operation = self.operation(exchange.method, exchange.path)
        if operation is None:
            return []  # the request check already reports it
        subject = f"{exchange.label} ({operation.operation_id})"
        responses = operation.spec.get("responses", {})
        spec = responses.get(str(exchange.status)) or responses.get("default")
        if spec is None:
            if exchange.fault is not None:
                return []  # an injected failure: off the description on purpose
            if exchange.status not in _ANY_ENDPOINT_STATUSES:
                documented = ", ".join(sorted(responses))
                return [
                    Mismatch(
                        "response",
                        subject,
                        f"status {exchange.status} is not documented (documented: {documented})",
                    )
                ]
            spec = {"content": {"application/json": {"schema": _ANY_ENDPOINT_ERROR}}}
        spec = self._resolve(spec)
        content = spec.get("content", {})
        body = exchange.response_body.strip()
        if not content:
            # No documented body. Only "204 No Content" promises that there is none;
            # elsewhere GitHub does send one (422 "Reference does not exist").
            if body and exchange.status == 204:
                return [Mismatch("response", subject, "a 204 answer has a body")]
            return []
        json_content = next((v for k, v in content.items() if "json" in k), None)
        if json_content is None:
            return []
        try:
            data = json.loads(body)
        except ValueError:
            return [Mismatch("response", subject, "the body is not JSON")]
        key = ("response", operation.method, operation.template, str(exchange.status))
        validator = self._validator(key, self.rest, json_content.get("schema", {}), convert=True)
        return [
            Mismatch("response", subject, p)
            for p in _errors(validator, data, operation.operation_id)
        ]

    def check_exchange(self, exchange: Exchange) -> list[Mismatch]:
        """Request and answer checks together."""
        return self.check_request(exchange) + self.check_response(exchange)

    def webhook_name(self, event: str, payload: dict[str, Any]) -> str:
        """The description's name of an event: ``issues-opened``, ``push``..."""
        action = payload.get("action")
        name = event.replace("_", "-")
        return f"{name}-{action.replace('_', '-')}" if isinstance(action, str) else name

    def check_webhook(self, event: str, payload: dict[str, Any]) -> list[Mismatch]:
        """Whether a webhook payload matches the published schema of its event."""
        name = self.webhook_name(event, payload)
        hook = self.webhooks["webhooks"].get(name)
        if hook is None:
            return [Mismatch("webhook", name, "no such event and action in GitHub's webhooks")]
        schema = hook["post"]["requestBody"]["content"]["application/json"]["schema"]
        validator = self._validator(("webhook", name), self.webhooks, schema, convert=True)
        return [Mismatch("webhook", name, p) for p in _errors(validator, payload, name)]


def _template_regex(template: str, greedy_last: bool) -> re.Pattern[str]:
    """A path template (``/repos/{owner}/{repo}``) as a regex; parameters match one
    segment, except a last parameter with ``greedy_last``, which may span several."""
    pieces = _PARAMETER.split(template)  # literal, name, literal, name, ..., literal
    regex = ""
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            regex += re.escape(piece)
        else:
            last = index == len(pieces) - 2 and pieces[-1] == ""
            regex += ".+" if greedy_last and last else "[^/]+"
    return re.compile(regex)


def _literal_segments(template: str) -> int:
    return sum(1 for part in template.split("/") if part and not part.startswith("{"))


def _query_value_problems(name: str, value: str, schema: dict[str, Any]) -> list[str]:
    if "enum" in schema and value not in schema["enum"]:
        return [f"query parameter {name}={value!r} is not one of {schema['enum']}"]
    if schema.get("type") == "integer" and not value.lstrip("-").isdigit():
        return [f"query parameter {name}={value!r} is not an integer"]
    if schema.get("type") == "boolean" and value not in ("true", "false"):
        return [f"query parameter {name}={value!r} is not true or false"]
    return []


@functools.cache
def session_judge() -> GitHubApiJudge:
    """The judge, loaded once per test session."""
    return GitHubApiJudge.load()


def snapshot(payload: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a payload as produced, before a test changes it on purpose."""
    return copy.deepcopy(payload)


def exchange_of(record: Any) -> Exchange:
    """An :class:`Exchange` from the stand-in's ``LoggedRequest``."""
    return Exchange(
        method=record.method,
        path=record.path,
        query=record.query,
        request_body=record.request_body,
        request_type=record.request_type,
        status=record.status,
        response_body=record.response_body,
        response_type=record.response_type,
        fault=record.fault,
    )


def judge_traffic(
    records: list[Any],
    payloads: list[tuple[str, dict[str, Any]]],
    judge: GitHubApiJudge | None = None,
) -> list[Mismatch]:
    """All mismatches in recorded REST exchanges (git ones are skipped: GitHub's
    REST description does not cover the git protocol) and webhook payloads.
    A mismatch seen many times is reported once. The stand-in's one web page (the
    new-issue form) is not part of the REST API either."""
    judge = judge or session_judge()
    found: dict[str, Mismatch] = {}
    for record in list(records):
        if record.git or getattr(record, "page", False):
            continue
        for mismatch in judge.check_exchange(exchange_of(record)):
            found.setdefault(
                f"{mismatch.kind}|{_generic(mismatch.subject)}|{mismatch.message}", mismatch
            )
    for event, payload in list(payloads):
        for mismatch in judge.check_webhook(event, payload):
            found.setdefault(str(mismatch), mismatch)
    return list(found.values())


def _generic(subject: str) -> str:
    # "GET /repos/o/r/issues/7 -> 200 (issues/get)": the same problem on issue 7 and 8 is one.
    return re.sub(r"/\d+", "/N", subject.split("?")[0])
