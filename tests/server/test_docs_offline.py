"""/docs works with no network: Swagger UI's assets come from the package (fastapi-offline), the
page names no other host, and headless Chromium renders it with every non-local request refused."""
import os
import re
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("ENCKE_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def server(start_server):
    import encke
    from encke.engine.catalog.default import snapshot
    from encke.server.service import Service

    return start_server(Service(encke.read_comets(snapshot().path)))


def test_docs_page_and_its_assets_are_served_locally(server):
    with httpx.Client(base_url=server.http, timeout=60) as http:
        page = http.get("/docs")
        assert page.status_code == 200 and "swagger" in page.text.lower()
        assets = re.findall(r"""(?:src|href)\s*[=:]\s*["']([^"']+)["']""", page.text)
        assert assets and not re.search(r"https?://", page.text), page.text  # no external host at all
        for asset in assets:
            assert asset.startswith("/"), asset
            got = http.get(asset)
            assert got.status_code == 200 and len(got.content) > 100, asset
        assert http.get("/openapi.json").json()["info"]["title"] == "encke"
        assert http.get("/redoc").status_code == 200


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")
def test_docs_render_in_a_browser_with_the_network_off(server):
    from playwright.sync_api import sync_playwright

    refused = []

    def only_local(route):
        if route.request.url.startswith(server.http):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.route("**/*", only_local)
            page.goto(f"{server.http}/docs")
            page.wait_for_selector(".swagger-ui .info .title", timeout=60_000)
            assert "encke" in page.inner_text(".swagger-ui .info .title")
            page.wait_for_selector("[data-path='/api/health']", timeout=60_000)  # the operations are listed
        finally:
            browser.close()
    assert refused == []
