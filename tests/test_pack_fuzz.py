"""Property tests: whatever bytes or YAML a pack holds, reading it ends in success or ``PackInvalid``."""

from __future__ import annotations

import contextlib
import io
import tempfile
import warnings
import zipfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elearn.packs.manifest import load_pack
from elearn.packs.source import PackInvalid, extract_zip, load_yaml, open_source

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def page_types():
    from elearn_page.lesson import PageLesson

    return {"page": PageLesson()}


# -- YAML-ish inputs ------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["page", "1.0.0", "id", "vi", "en", "lessons", "modules", "file", "text", "../x", "/etc"])
)
keys = st.sampled_from(
    ["id", "version", "title", "vi", "en", "course", "slug", "modules", "lessons", "type", "content", "text", "file"]
) | st.text(max_size=8)
structures = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5), max_leaves=25
)


def pack_like():
    """Mostly well-formed manifests, with any part replaceable by arbitrary data."""
    lesson = st.fixed_dictionaries(
        {"id": st.sampled_from(["l1", "l2", "bad id"]), "type": st.sampled_from(["page", "quiz"])},
        optional={
            "title": st.just({"vi": "Bài"}) | structures,
            "content": st.fixed_dictionaries({}, optional={"text": scalars, "file": scalars}) | structures,
        },
    )
    module = st.fixed_dictionaries(
        {"id": st.sampled_from(["m1", "m2"]), "title": st.just({"vi": "Phần"}) | structures},
        optional={"lessons": st.lists(lesson, max_size=3) | structures},
    )
    return st.fixed_dictionaries(
        {"id": st.just("fuzz-pack") | scalars, "version": st.just("1.0.0") | scalars},
        optional={
            "title": st.just({"vi": "Gói"}) | structures,
            "course": st.fixed_dictionaries({}, optional={"modules": st.lists(module, max_size=3) | structures})
            | structures,
            "description": structures,
        },
    )


@st.composite
def yaml_texts(draw) -> str:
    data = draw(pack_like() | structures)
    text = yaml.safe_dump(data, allow_unicode=draw(st.booleans()), sort_keys=False)
    for _ in range(draw(st.integers(0, 3))):  # mutate: insert, delete or replace a slice
        if not text:
            break
        at = draw(st.integers(0, len(text) - 1))
        length = draw(st.integers(0, 5))
        insert = draw(
            st.sampled_from(["", "&a ", "*a", "!!python/name:os.system ", "!x ", ":", "- ", "\n  ", "{", "]"])
        )
        insert = draw(st.just(insert) | st.text(max_size=4))
        text = text[:at] + insert + text[at + length :]
    return text


def check_yaml(text: str) -> None:
    try:
        load_yaml(text, "pack.yaml")
    except PackInvalid as exc:
        assert exc.errors and all(e.where.startswith("pack.yaml:") for e in exc.errors)


def check_pack(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pack.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        (folder / "lessons").mkdir()
        (folder / "lessons" / "a.md").write_text("# A\n", encoding="utf-8")
        for types in ({}, page_types()):
            try:
                load_pack(folder, types)
            except PackInvalid as exc:
                assert exc.errors


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text_is_only_ever_refused_as_invalid(text):
    check_yaml(text)


@FUZZ
@given(yaml_texts())
def test_mutated_yaml_is_only_ever_refused_as_invalid(text):
    check_yaml(text)
    check_pack(text)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200) | yaml_texts())
def test_arbitrary_manifests_load_or_are_refused(text):
    check_pack(text)


# -- archives -------------------------------------------------------------------------

names = st.sampled_from(
    [
        "pack.yaml",
        "p/pack.yaml",
        "lessons/a.md",
        "p/lessons/a.md",
        "lessons/",
        "p/",
        "../x",
        "/abs",
        "C:x",
        "a\\b",
        "lessons",
        "Pack.yaml",
        "__MACOSX/._x",
        "a/./b",
        "a//b",
        "x\x00y",
    ]
) | st.text(min_size=1, max_size=12)
entries = st.lists(
    st.tuples(
        names,
        st.binary(max_size=200) | st.sampled_from([b"", bytes(5000), b"id: x\n"]),
        st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]),
        st.sampled_from([0, 0o100644, 0o40755]) | st.integers(0, 0xFFFF),  # unix mode: files, links, devices...
        st.just(0) | st.integers(0, 3),  # flag bits
    ),
    max_size=6,
)


@st.composite
def archives(draw) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as zf:
        warnings.simplefilter("ignore", UserWarning)  # duplicate names are wanted here
        base = draw(st.sampled_from([[], ["pack.yaml", "lessons/a.md"], ["p/pack.yaml", "p/lessons/a.md"]]))
        good = [(name, b"id: x\n", zipfile.ZIP_DEFLATED, 0o100644, 0) for name in base]
        for name, data, method, mode, flags in good + draw(entries):
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            info.external_attr = mode << 16
            info.flag_bits |= flags & 0x2
            with contextlib.suppress(ValueError, UnicodeEncodeError):  # zipfile refused it: another archive then
                zf.writestr(info, data)
    raw = bytearray(buffer.getvalue())
    for _ in range(draw(st.just(0) | st.integers(0, 4))):  # flip, overwrite or cut bytes
        if not raw:
            break
        at = draw(st.integers(0, len(raw) - 1))
        action = draw(st.sampled_from(["flip", "write", "cut"]))
        if action == "flip":
            raw[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "write":
            patch = draw(st.binary(min_size=1, max_size=4))
            raw[at : at + len(patch)] = patch
        else:
            del raw[at:]
    return bytes(raw)


def check_archive(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pack.zip"
        path.write_bytes(content)
        try:
            with open_source(path) as root:
                assert (root / "pack.yaml").exists()
                assert any(part.startswith("elearn-pack-") for part in root.resolve().parts[-2:])
        except PackInvalid as exc:
            assert exc.errors
        out = Path(tmp) / "out"
        out.mkdir()
        try:
            extract_zip(path, out, max_total_bytes=20_000, max_file_bytes=4_000, ratio_threshold_bytes=1_000)
        except PackInvalid:
            assert list(out.iterdir()) == []
        for found in Path(tmp).rglob("*"):  # nothing ever lands outside the temporary folder
            assert found.resolve().is_relative_to(Path(tmp).resolve())


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_are_only_ever_refused_as_invalid(content):
    check_archive(content)


@FUZZ
@given(archives())
def test_built_and_mutated_archives_are_only_ever_refused_as_invalid(content):
    check_archive(content)
