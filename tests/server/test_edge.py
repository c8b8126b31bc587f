"""The edge's rules, one by one: which address and scheme a request has behind a proxy,
and what framing a response allows. (``tests/attacks`` plays them over HTTP.)"""

from __future__ import annotations

import pytest
from tornado.httputil import HTTPHeaders

from workbench.server.edge import client_address, client_scheme, without_framing


def headers(*pairs: tuple[str, str]) -> HTTPHeaders:
    found = HTTPHeaders()
    for name, value in pairs:
        found.add(name, value)
    return found


@pytest.mark.parametrize(
    ("given", "address"),
    [
        ([], "10.0.0.1"),  # no header: the connection's peer
        ([("X-Forwarded-For", "203.0.113.5")], "203.0.113.5"),
        ([("X-Forwarded-For", "1.2.3.4, 203.0.113.5")], "203.0.113.5"),  # the proxy's entry
        ([("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-For", "203.0.113.5")], "203.0.113.5"),
        ([("X-Forwarded-For", "203.0.113.5"), ("X-Real-IP", "1.2.3.4")], "203.0.113.5"),
        ([("X-Real-IP", "1.2.3.4")], "10.0.0.1"),  # never read
        ([("Forwarded", "for=1.2.3.4")], "10.0.0.1"),  # never read
        ([("X-Forwarded-For", "203.0.113.5, unknown")], "10.0.0.1"),  # not an address
        ([("X-Forwarded-For", "2001:db8::1")], "2001:db8::1"),
    ],
)
def test_the_address_is_the_rightmost_forwarded_for_entry(
    given: list[tuple[str, str]], address: str
) -> None:
    assert client_address(headers(*given), "10.0.0.1") == address


@pytest.mark.parametrize(
    ("given", "scheme"),
    [
        ([], "http"),
        ([("X-Forwarded-Proto", "https")], "https"),
        ([("X-Forwarded-Proto", "HTTPS")], "https"),
        ([("X-Forwarded-Proto", "https, http")], "http"),  # the last hop's
        ([("X-Forwarded-Proto", "gopher")], "http"),
        ([("X-Scheme", "https")], "http"),  # never read
    ],
)
def test_the_scheme_is_the_last_forwarded_proto(given: list[tuple[str, str]], scheme: str) -> None:
    assert client_scheme(headers(*given), "http") == scheme


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (None, "frame-ancestors 'none'"),
        ("", "frame-ancestors 'none'"),
        (
            "frame-ancestors 'self'; report-uri /api/security/csp-report",
            "report-uri /api/security/csp-report; frame-ancestors 'none'",
        ),
        ("default-src 'self'; Frame-Ancestors *", "default-src 'self'; frame-ancestors 'none'"),
        ("sandbox allow-scripts", "sandbox allow-scripts; frame-ancestors 'none'"),
    ],
)
def test_framing_is_forbidden_and_other_rules_kept(policy: str | None, expected: str) -> None:
    assert without_framing(policy) == expected
