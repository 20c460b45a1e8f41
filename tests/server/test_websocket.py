"""/ws/follow against the live server, with the `websockets` client."""
import json
import time

import numpy as np
import pytest
import spiceypy
from websockets.sync.client import connect

from encke.engine.constants import GM_SUN

AU_M = 149_597_870_700.0


def ws_url(live):
    return live.http.replace("http://", "ws://") + "/ws/follow"


def frames(ws, n, timeout=30):
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < deadline:
        msg = json.loads(ws.recv(timeout=timeout))
        out.append(msg)
    return out


def test_follow_streams_positions_as_the_clock_moves(live, catalog):
    with connect(ws_url(live)) as ws:
        ws.send(json.dumps({"epoch_jd": 2460600.5, "rate": 2.0, "ids": ["1P", "2P"], "model": "kepler"}))
        got = [m for m in frames(ws, 6) if "epoch_jd" in m]
        assert len(got) >= 5
        epochs = np.array([m["epoch_jd"] for m in got])
        assert np.all(np.diff(epochs) > 0)
        # about ten frames per second at 2 days per second: 0.2 days between frames
        assert 0.05 < np.median(np.diff(epochs)) < 1.0
        last = got[-1]
        assert last["ids"] == ["1P", "2P"]
        for k, key in enumerate(last["ids"]):
            c = catalog.get(key)
            expected = spiceypy.conics([c.q, c.e, c.i, c.node, c.argp, 0.0, c.tp, GM_SUN], last["epoch_jd"])
            assert np.max(np.abs(np.array(last["positions"][k]) - expected[:3])) * AU_M < 1.0

        ws.send(json.dumps({"epoch_jd": 2460600.5, "rate": -5.0, "ids": ["2P"]}))
        back = [m for m in frames(ws, 8) if m.get("ids") == ["2P"]]
        assert len(back) >= 3 and np.all(np.diff([m["epoch_jd"] for m in back]) < 0)
    deadline = time.monotonic() + 10  # the server notices the closed socket and frees its stream slot
    while live.service.streams.active and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live.service.streams.active == 0


@pytest.mark.parametrize("message, words", [
    ({"epoch_jd": 2460600.5, "rate": 1, "ids": ["1P", "NOPE9"]}, "ids[1]: unknown comet 'NOPE9'"),
    ({"epoch_jd": 2460600.5, "rate": 1, "ids": ["1P"], "model": "warp"}, "model: unknown model 'warp'"),
    ({"epoch_jd": "soon", "rate": 1, "ids": ["1P"]}, "epoch_jd:"),
    ({"epoch_jd": 2460600.5, "rate": "fast", "ids": ["1P"]}, "rate:"),
    ({"epoch_jd": 2460600.5, "rate": 1, "ids": []}, "ids:"),
    ([1, 2, 3], "message: expected a JSON object"),
])
def test_bad_messages_get_an_error_and_the_socket_stays_open(live, message, words):
    with connect(ws_url(live)) as ws:
        ws.send(json.dumps({"epoch_jd": 2460600.5, "rate": 0.0, "ids": ["2P"]}))
        assert frames(ws, 1)[0]["ids"] == ["2P"]
        ws.send(json.dumps(message))
        seen = frames(ws, 12)
        errors = [m["error"] for m in seen if "error" in m]
        assert errors and words in errors[0]
        after = [m for m in seen[seen.index({"error": errors[0]}) + 1:] if "epoch_jd" in m]
        assert after and after[-1]["ids"] == ["2P"]  # the previous clock keeps running


def test_not_json_is_reported(live):
    with connect(ws_url(live)) as ws:
        ws.send("{not json")
        assert json.loads(ws.recv(timeout=10))["error"].startswith("message: not JSON")
