"""The build record (congressgen.record): every build writes it, outside the published output,
with what publish needs to decide without compiling."""

from __future__ import annotations

import json
import shutil

from congressgen import record
from congressgen.config import load_config
from publish_support import build, make_site


def test_every_build_writes_its_record_outside_the_output(tmp_path):
    site = make_site(tmp_path / "site", extra_config="review:\n  required: true\n")
    out = build(site, "--drafts", "--base-url", "http://127.0.0.1:8000/", "--no-check", "--no-cache",
                "--allow-unreviewed", output=tmp_path / "preview")
    config, _ = load_config(site)
    path = record.record_path(config, out)
    assert path.is_file() and path.is_relative_to(site / ".congressgen-cache")   # written even with --no-cache
    assert path.name not in {p.name for p in out.rglob("*")}                   # not published content
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["base_url"] == "http://127.0.0.1:8000/" and data["drafts"] is True
    assert data["draft_reports"] == ["content/reports/2025-hexi-zhengfu.md"]
    assert data["check"]["ran"] is False and data["allow_unreviewed"] is True
    assert data["unreviewed"] and all(row[0].startswith("content/") for row in data["unreviewed"])
    assert data["time"] and data["output"] == str(out.resolve())
    loaded = record.read_record(config, out)
    assert loaded is not None and loaded.outputs == record.output_manifest(out)
    assert "content/reports/2025-hexi-zhengfu.md" in loaded.sources
    assert not record.changed_sources(config, loaded)

    plain = build(site, "--allow-unreviewed")                    # another output: its own record
    again = record.read_record(config, plain)
    assert again.base_url == config.base_url and again.draft_reports == () and again.check.ran
    assert again.check.warnings == sum(w.severity == "warning" for w in again.warnings)
    assert record.read_record(config, out).drafts                # the first one untouched

    shutil.rmtree(out)                                           # a preview folder that is gone:
    build(site, "--allow-unreviewed", output=tmp_path / "third")   # its record goes with the next build
    assert not path.exists() and record.read_record(config, plain) is not None


def test_a_changed_input_is_named_and_a_broken_record_reads_as_none(tmp_path):
    site = make_site(tmp_path / "site")
    out = build(site)
    config, _ = load_config(site)
    made = record.read_record(config, out)
    (site / "content" / "reports" / "new.md").write_text("---\ntitle: 新\ndate: 2025-01-01\n---\n正文\n",
                                                        encoding="utf-8")
    assert record.changed_sources(config, made).changed == ("content/reports/new.md",)
    record.record_path(config, out).write_text('{"format": 1, "inputs": ', encoding="utf-8")
    assert record.read_record(config, out) is None


def test_digest_memo_rehashes_only_what_changed(tmp_path, monkeypatch):
    from congressgen import cache as cache_module
    from congressgen import record as record_module

    settled_file = tmp_path / "content/reports/a.md"
    settled_file.parent.mkdir(parents=True)
    settled_file.write_bytes(b"old")
    fresh = tmp_path / "content/reports/b.md"
    fresh.write_bytes(b"one")
    # a.md counts as settled (its ctime long ago), b.md as just written
    monkeypatch.setattr(record_module, "settled", lambda stamp: stamp[:2] == cache_module.source_stamp(str(settled_file))[:2])
    hashed: list[str] = []
    real = record_module._hash_file
    monkeypatch.setattr(record_module, "_hash_file", lambda path: hashed.append(path.name) or real(path))

    memo = record_module.DigestMemo()
    first = {p: memo.digest(p) for p in (settled_file, fresh)}
    assert sorted(hashed) == ["a.md", "b.md"] and list(memo.seen) == [str(settled_file)]
    again = record_module.DigestMemo(memo.seen)
    hashed.clear()
    fresh.write_bytes(b"two")                       # same size, maybe the same mtime tick
    second = {p: again.digest(p) for p in (settled_file, fresh)}
    assert hashed == ["b.md"]                       # the settled, unchanged file is not read
    assert second[settled_file] == first[settled_file] and second[fresh] != first[fresh]
    settled_file.write_bytes(b"new!")               # another stamp: hashed again
    third = record_module.DigestMemo(again.seen)
    assert third.digest(settled_file) == record_module._hash_file(settled_file) != first[settled_file]


def test_output_manifest_lists_files_and_skips_linked_folders(tmp_path):
    import os

    from congressgen.record import output_manifest

    (tmp_path / "out/a/b").mkdir(parents=True)
    (tmp_path / "out/a/b/c.html").write_text("x", encoding="utf-8")
    (tmp_path / "out/index.html").write_text("yy", encoding="utf-8")
    os.symlink(tmp_path / "out/a", tmp_path / "out/linked")
    manifest = output_manifest(tmp_path / "out")
    assert sorted(manifest) == ["a/b/c.html", "index.html"]
    assert manifest["index.html"][0] == 2


def test_unchanged_reads_only_the_inputs_line_of_a_record_whose_inputs_differ(tmp_path, monkeypatch):
    site = make_site(tmp_path / "site")
    out = build(site)
    config, _ = load_config(site)
    made = record.read_record(config, out)
    same = record.Fingerprints(made.environment, made.sources, made.inputs)
    assert record.unchanged(config, out, same) == made
    parsed = []
    real = record.BuildRecord.from_json.__func__
    monkeypatch.setattr(record.BuildRecord, "from_json",
                        classmethod(lambda cls, text: parsed.append(1) or real(cls, text)))
    edited = record.Fingerprints(made.environment, made.sources, "0" * 64)
    assert record.unchanged(config, out, edited) is None and parsed == []    # decided by the one line
    # a record without that line near its start (written otherwise): the whole record decides
    path = record.record_path(config, out)
    path.write_text(json.dumps(json.loads(path.read_text(encoding="utf-8")), indent=1), encoding="utf-8")
    assert record.unchanged(config, out, same) == made and parsed == [1]
    assert record.unchanged(config, out, edited) is None and parsed == [1, 1]


def test_input_fingerprint_hashes_every_source_in_order_as_one_update_per_source_did(tmp_path):
    """The fingerprint is unchanged by how its bytes are fed to the hash (records of older
    builds stay valid), and it changes with any source's path or digest."""
    import hashlib

    from congressgen.record import input_fingerprint

    sources = {"content/reports/b.md": "22", "content/reports/a.md": "11", "页\udcff.md": "33"}
    h = hashlib.sha256(repr(("env", str(tmp_path.resolve()), ("s",))).encode())
    for rel, digest in sorted(sources.items()):
        h.update(f"{rel}\0{digest}\0".encode("utf-8", "surrogateescape"))
    assert input_fingerprint("env", sources, tmp_path, ("s",)) == h.hexdigest()
    assert input_fingerprint("env", {**sources, "content/reports/a.md": "12"}, tmp_path, ("s",)) != h.hexdigest()
    assert input_fingerprint("env", {**sources, "content/reports/c.md": "11"}, tmp_path, ("s",)) != h.hexdigest()


def test_a_record_written_from_tuples_reads_back_and_equals_one_written_from_lists():
    """to_json writes the outputs' (size, mtime) and the addresses as they are: a tuple is the
    same JSON array a list is, so the record's text does not depend on which it was given."""
    from congressgen.record import BuildRecord

    def record(outputs, addresses):
        return BuildRecord("in", {"content/a.md": "1"}, "env", (), "x", outputs, 1, 2, (), addresses=addresses)

    tuples = record({"b.html": (2, 20), "a.html": (1, 10)}, (("r1", "content/a.md", "a.html", ("old", "页")),))
    lists = record({"b.html": [2, 20], "a.html": [1, 10]}, [["r1", "content/a.md", "a.html", ["old", "页"]]])
    assert tuples.to_json() == lists.to_json()
    assert '"outputs": {"a.html": [1, 10], "b.html": [2, 20]}' in tuples.to_json()
    assert BuildRecord.from_json(tuples.to_json()) == tuples
