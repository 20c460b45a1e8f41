"""The committed gRPC code is current: regenerating from the protos gives identical files."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generated_code_is_current(tmp_path):
    out = tmp_path / "generated"
    subprocess.run([sys.executable, str(ROOT / "proto" / "generate.py"), "--out", str(out)], check=True,
                   capture_output=True)
    committed = ROOT / "server" / "generated"
    fresh = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    kept = sorted(p.relative_to(committed) for p in committed.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)
    assert fresh == kept, "run `python proto/generate.py`: the generated file set differs"
    stale = [str(p) for p in fresh if (out / p).read_bytes() != (committed / p).read_bytes()]
    assert not stale, f"stale generated files (run `python proto/generate.py`): {stale}"


def test_generated_imports_resolve_inside_the_package():
    from encke.server.generated.encke.v1 import catalog_pb2, propagation_pb2, propagation_pb2_grpc

    text = (ROOT / "server" / "generated" / "encke" / "v1" / "propagation_pb2.py").read_text()
    assert "from encke.v1 import" not in text
    assert propagation_pb2.DESCRIPTOR.dependencies[0].name == catalog_pb2.DESCRIPTOR.name
    assert hasattr(propagation_pb2_grpc, "PropagationServiceStub")


def test_every_field_documents_its_unit_or_meaning():
    """Each field line in the protos carries a comment (trailing or on the lines above)."""
    import re

    for proto in sorted((ROOT / "proto" / "encke" / "v1").glob("*.proto")):
        lines = proto.read_text().splitlines()
        for k, line in enumerate(lines):
            if re.match(r"\s*(optional |repeated )?[\w.]+ \w+ = \d+;", line) and "MODEL_" not in line \
                    and "FRAME_" not in line and "CENTER_" not in line:
                documented = "//" in line or lines[k - 1].strip().startswith("//")
                assert documented, f"{proto.name}:{k + 1} has no comment: {line.strip()}"
