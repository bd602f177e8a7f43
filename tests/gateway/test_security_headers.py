"""Every gateway response carries the strict Content-Security-Policy and its companions."""

import re

import pytest

from bot.gateway.security_headers import CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", ["/", "/static/widget/widget.js", "/inbox/login", "/api/v1/widget/strings/ar",
                                  "/health"])
async def test_strict_security_headers_everywhere(client, path: str) -> None:
    response = await client.get(path)
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"


def test_the_policy_allows_no_inline_code_and_nothing_from_elsewhere() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    for name in ("default-src", "script-src", "style-src", "connect-src"):
        assert directives[name] == "'self'", name
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'self'"


async def test_the_demo_page_embeds_the_widget_with_one_script_tag_and_no_inline_script(client) -> None:
    html = (await client.get("/")).text
    assert html.count("<script") == 1 and 'src="/static/widget/widget.js"' in html
    assert "<style" not in html and "style=" not in html
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
