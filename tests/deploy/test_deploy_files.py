"""deploy/'s docker-compose.yml and Kubernetes manifests encode the topology the nginx test runs:
the same template, every field filled, the same three replicas and one Redis."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
SERVER = "server {} max_fails=1 fail_timeout=5s;"
KUBERNETES = {"PREFIX": "/tmp/nginx", "LISTEN_HOST": "0.0.0.0", "GRPC_PORT": "50050", "HTTP_PORT": "8080",
              "GRPC_SERVERS": "\n".join("        " + SERVER.format(f"encke-{k}.encke:50051") for k in range(3)),
              "HTTP_SERVERS": "\n".join("        " + SERVER.format(f"encke-{k}.encke:8000") for k in range(3))}


def render(values: dict) -> str:
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    return text


def test_template_fields_are_the_ones_filled_in():
    assert set(re.findall(r"@([A-Z_]+)@", TEMPLATE.read_text())) == set(KUBERNETES)


def test_kubernetes_configmap_is_the_rendered_template():
    yaml = pytest.importorskip("yaml")
    docs = list(yaml.safe_load_all((ROOT / "deploy" / "kubernetes" / "encke.yaml").read_text()))
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert {("StatefulSet", "encke"), ("Deployment", "redis"), ("Deployment", "encke-nginx")} <= kinds
    config = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "encke-nginx")
    assert config["data"]["nginx.conf"] == render(KUBERNETES)
    replicas = next(d for d in docs if d["kind"] == "StatefulSet")
    assert replicas["spec"]["replicas"] == 3
    assert "redis://redis:6379/0" in replicas["spec"]["template"]["spec"]["containers"][0]["args"]


def test_compose_renders_every_field_for_three_replicas():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    assert {"redis", "encke-1", "encke-2", "encke-3", "nginx"} == set(compose["services"])
    script = compose["services"]["nginx"]["command"][-1]
    fields = dict(re.findall(r"s\|@([A-Z_]+)@\|([^|]*)\|g?", script))
    assert set(fields) == set(KUBERNETES)
    rendered = render(fields)
    assert not re.search(r"@[A-Z_]+@", rendered)
    for k in (1, 2, 3):
        assert SERVER.format(f"encke-{k}:50051") in rendered and SERVER.format(f"encke-{k}:8000") in rendered
    assert "redis://redis:6379/0" in shlex.join(compose["services"]["encke-1"]["command"])
