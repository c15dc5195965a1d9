"""Request bodies checked at the door, before any handler or audit entry depends on them.

The audit middleware reads every body (up to `MAX_BODY_BYTES`) and asks `check_body` whether it
can be read at all. What cannot is refused with a `400` that says what to fix, and never reaches
a handler: bytes that are not UTF-8, JSON nested deeper than any request of this API needs,
numbers Python will not parse, strings holding unpaired UTF-16 surrogates (`"\\ud800"` is legal
JSON syntax but no character: it cannot be written to the audit log, a database or a response).
Plain JSON syntax errors are left to the route's validation, which names the position (`422`).

What the audit log records of a body (`CheckedBody.parsed`) is escaped by the log itself
(`records.text.printable`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from records.text import printable

MAX_BODY_BYTES = 64 * 1024  # the largest valid request (a person search) is well under 1 KiB
MAX_JSON_DEPTH = 32  # our bodies are two levels deep; 32 leaves room and stops recursion bombs
_JSON_TYPES = frozenset({"", "application/json"})
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class BodyProblem:
    """Why a body is refused: the status and a message for the caller."""

    status: int
    detail: str


@dataclass(frozen=True)
class CheckedBody:
    """The body as the audit log records it: parsed JSON or form fields, or a summary."""

    parsed: Any
    problem: BodyProblem | None = None


def is_json_type(content_type: str) -> bool:
    """FastAPI parses a body as JSON when the type is JSON or absent."""
    return content_type in _JSON_TYPES or content_type.endswith("+json")


def _walk(value: Any) -> BodyProblem | None:
    """Depth and unpaired surrogates, iteratively (a recursive walk is what we are refusing)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                return BodyProblem(400, f"the JSON body is nested deeper than {MAX_JSON_DEPTH}")
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                if isinstance(key, str) and _has_surrogate(key):
                    return _surrogate_problem()
                stack.append((child, depth + 1))
        elif isinstance(item, str) and _has_surrogate(item):
            return _surrogate_problem()
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _surrogate_problem() -> BodyProblem:
    return BodyProblem(
        400,
        "the JSON body holds an unpaired UTF-16 surrogate escape (such as \\ud800), which is "
        "no character: send the text as UTF-8",
    )


def _check_json(body: bytes) -> CheckedBody:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return CheckedBody(
            {"unreadable_bytes": len(body)},
            BodyProblem(400, f"the body is not UTF-8 (byte {exc.start}): send JSON in UTF-8"),
        )
    try:
        parsed = json.loads(text)
    except RecursionError:
        return CheckedBody(
            {"unreadable_bytes": len(body)},
            BodyProblem(400, f"the JSON body is nested deeper than {MAX_JSON_DEPTH}"),
        )
    except json.JSONDecodeError:
        # Plain syntax errors: the route's validation says where (422), as for any bad field.
        return CheckedBody({"unparsed_bytes": len(body)})
    except ValueError as exc:  # e.g. an integer longer than Python converts
        return CheckedBody(
            {"unreadable_bytes": len(body)},
            BodyProblem(400, f"the JSON body cannot be read: {printable(str(exc))[:200]}"),
        )
    problem = _walk(parsed)
    if problem is not None:
        return CheckedBody({"unreadable_bytes": len(body)}, problem)
    return CheckedBody(parsed)


def _check_form(body: bytes) -> CheckedBody:
    try:
        fields = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except (UnicodeDecodeError, ValueError):
        return CheckedBody(
            {"unreadable_bytes": len(body)},
            BodyProblem(
                400,
                "the form body is not URL-encoded UTF-8: percent-encode each byte of the UTF-8 "
                "text (RFC 6749 appendix B)",
            ),
        )
    return CheckedBody(dict(fields))


def check_body(body: bytes, content_type: str) -> CheckedBody:
    """What the audit log should record of `body`, and whether it must be refused."""
    if not body:
        return CheckedBody(None)
    if is_json_type(content_type):
        return _check_json(body)
    if content_type == FORM_TYPE:
        return _check_form(body)
    return CheckedBody({"bytes": len(body), "content_type": printable(content_type)[:100]})
