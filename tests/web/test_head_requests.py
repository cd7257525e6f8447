"""Does every page that answers GET answer HEAD the same way? (Monitoring probes and
proxies send HEAD; one page used to answer it 400.)"""

from __future__ import annotations

import pytest

from tests.accounts.test_route_access import SAMPLE_VALUES
from tests.conftest import AuthActions


def _get_urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {name: SAMPLE_VALUES[name] for name in rule.arguments}
        with app.test_request_context():
            urls.append(app.url_for(rule.endpoint, **values))
    return sorted(set(urls))


@pytest.mark.parametrize("username", [None, "szcc_staff", "finance", "admin"])
def test_head_answers_as_get_does(app, username):
    client = app.test_client()
    if username:
        AuthActions(client).login(username)
    for url in _get_urls(app):
        if url.endswith("/logout"):
            continue
        got = client.get(url)
        head = client.open(url, method="HEAD")
        assert head.status_code == got.status_code, (url, head.status_code, got.status_code)
        assert head.data == b"", url
