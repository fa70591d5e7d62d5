"""Where packs come from: hostile zip archives, folders with escaping links, and hostile YAML."""

from __future__ import annotations

import json
import os
import stat
import struct
import unicodedata
import zipfile
from contextlib import nullcontext
from pathlib import Path

import pytest
from click.testing import CliRunner

from elearn.cli import main
from elearn.packs import source
from elearn.packs.files import FolderFiles
from elearn.packs.manifest import load_pack
from elearn.packs.source import PackInvalid, extract_zip, load_yaml, open_source
from elearn.plugins.lesson_type import ContentInvalid
from elearn.testing import FAST_HASH

PACK_YAML = """\
id: zipped-pack
version: 1.0.0
title:
  vi: Gói nén
  en: A zipped pack
course:
  modules:
    - id: m1
      title: {vi: Phần một}
      lessons:
        - id: l1
          type: page
          title: {vi: Bài một}
          content: {file: lessons/one.md}
"""
LESSON = "# Bài một\n\nNội dung.\n"


def make_zip(path: Path, entries: dict[str, bytes | str], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def good_entries(prefix: str = "") -> dict[str, str]:
    return {f"{prefix}pack.yaml": PACK_YAML, f"{prefix}lessons/one.md": LESSON}


def refused(archive: Path, tmp_path: Path, **limits) -> list[str]:
    """Extract and expect a refusal; check nothing was left behind; return the error texts."""
    target = tmp_path / "out"
    target.mkdir(exist_ok=True)
    with pytest.raises(PackInvalid) as info:
        extract_zip(archive, target, **limits)
    assert list(target.iterdir()) == [], "a refused archive must leave nothing extracted"
    return [str(error) for error in info.value.errors]


def page_types():
    from elearn_page.lesson import PageLesson

    return {"page": PageLesson()}


# -- good archives ----------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "my-pack/"], ids=["root", "single-folder"])
def test_a_good_zip_extracts_and_loads(tmp_path, prefix):
    archive = make_zip(tmp_path / "pack.zip", good_entries(prefix))
    with open_source(archive) as root:
        assert (root / "pack.yaml").read_text(encoding="utf-8") == PACK_YAML
        pack = load_pack(root, page_types())
        extracted = root
    assert pack.id == "zipped-pack"
    assert pack.modules[0].lessons[0].content["markdown"] == LESSON
    assert not extracted.exists(), "the temporary extraction is removed on exit"


def test_explicit_folder_entries_and_macos_metadata_are_fine(tmp_path):
    entries = {"p/": b"", "p/lessons/": b"", **good_entries("p/"), "__MACOSX/p/._pack.yaml": b"\x00\x05"}
    archive = make_zip(tmp_path / "pack.zip", entries)
    target = tmp_path / "out"
    root = extract_zip(archive, target)
    assert root == target / "p"
    assert sorted(p.name for p in target.iterdir()) == ["p"]


def test_a_zip_without_pack_yaml_at_the_top_is_refused(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {"a/pack.yaml": PACK_YAML, "b/readme.md": "x"})
    assert any("no pack.yaml" in e for e in refused(archive, tmp_path))


# -- names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../evil.txt", "'..'"),
        ("lessons/../../evil.txt", "'..'"),
        ("/etc/evil.txt", "absolute"),
        ("C:/evil.txt", "drive-letter"),
        ("c:evil.txt", "drive-letter"),
        ("lessons\\evil.txt", "backslash"),
        ("lessons/./evil.txt", "'.' component"),
        ("lessons//evil.txt", "empty"),
    ],
)
def test_unsafe_names_are_refused(tmp_path, name, why):
    archive = make_zip(tmp_path / "a.zip", {**good_entries(), name: "x"})
    errors = refused(archive, tmp_path)
    assert any(e.startswith(f"{name}:") and why in e for e in errors), errors
    assert not (tmp_path / "evil.txt").exists()


# Control characters (C0 and C1) and invisible format characters (Unicode category Cf): bidi
# overrides and isolates, zero-width space and marks, the byte order mark, the soft hyphen.
UNSEEN = {
    "\x01": "a control character (U+0001)",
    "\x1b": "a control character (U+001B)",
    "\x85": "a control character (U+0085)",
    "\u202e": "an invisible formatting character (U+202E)",
    "\u202a": "an invisible formatting character (U+202A)",
    "\u2066": "an invisible formatting character (U+2066)",
    "\u2069": "an invisible formatting character (U+2069)",
    "\u200b": "an invisible formatting character (U+200B)",
    "\u200f": "an invisible formatting character (U+200F)",
    "\ufeff": "an invisible formatting character (U+FEFF)",
    "\xad": "an invisible formatting character (U+00AD)",
}


def shown(char: str) -> str:
    """How an error names a file holding ``char``: escaped, so it cannot act on the page or terminal."""
    return char.encode("unicode_escape").decode("ascii")


@pytest.mark.parametrize(("char", "why"), UNSEEN.items(), ids=lambda v: f"U+{ord(v):04X}" if len(v) == 1 else None)
def test_control_and_invisible_characters_in_zip_names_are_refused(tmp_path, char, why):
    # "media/report\u202egnp.exe" reads as "media/reportexe.png".
    archive = make_zip(tmp_path / "a.zip", {**good_entries(), f"media/report{char}gnp.exe": "MZ"})
    errors = refused(archive, tmp_path)
    assert errors == [f"media/report{shown(char)}gnp.exe: has {why} in its name"]


def test_every_problem_is_listed_each_with_its_entry_name(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {**good_entries(), "../a": "x", "/b": "y", "c\\d": "z"})
    errors = refused(archive, tmp_path)
    assert [e.split(":")[0] for e in errors] == ["../a", "/b", "c\\d"]


def test_symlink_entries_are_refused(tmp_path):
    archive = tmp_path / "a.zip"
    make_zip(archive, good_entries())
    with zipfile.ZipFile(archive, "a") as zf:
        link = zipfile.ZipInfo("lessons/link.md")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    assert any(e.startswith("lessons/link.md:") and "symbolic link" in e for e in refused(archive, tmp_path))


def test_device_entries_are_refused(tmp_path):
    archive = tmp_path / "a.zip"
    make_zip(archive, good_entries())
    with zipfile.ZipFile(archive, "a") as zf:
        fifo = zipfile.ZipInfo("lessons/fifo")
        fifo.external_attr = (stat.S_IFIFO | 0o644) << 16
        zf.writestr(fifo, "")
    assert any("not a regular file" in e for e in refused(archive, tmp_path))


# -- duplicates and clashes ---------------------------------------------------------


def write_raw(archive: Path, entries: list[tuple[str, bytes]]) -> Path:
    """Write entries one by one, even with repeated names (zipfile only warns)."""
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in entries:
            with pytest.warns(UserWarning) if name in zf.NameToInfo else nullcontext():
                zf.writestr(name, data)
    return archive


def test_exact_duplicate_names_are_refused(tmp_path):
    archive = write_raw(tmp_path / "a.zip", [("pack.yaml", PACK_YAML.encode()), ("pack.yaml", b"id: other\n")])
    assert any(e.startswith("pack.yaml:") and "twice" in e for e in refused(archive, tmp_path))


def test_a_name_used_as_file_and_folder_is_refused(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {**good_entries(), "lessons/x": "file", "lessons/x/": ""})
    assert any(e.startswith("lessons/x/:") and "file and a folder" in e for e in refused(archive, tmp_path))


def test_a_file_with_entries_inside_it_is_refused(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {**good_entries(), "notes": "file", "notes/inner.md": "x"})
    assert any(e.startswith("notes/inner.md:") and "is a file" in e for e in refused(archive, tmp_path))


def test_names_differing_only_in_case_are_refused(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {**good_entries(), "lessons/One.md": "other"})
    assert any(e.startswith("lessons/One.md:") and "ignoring case" in e for e in refused(archive, tmp_path))


# Spellings of one name: "bài" composed (NFC, as Windows writes it) and decomposed (NFD, as macOS does);
# upper case with a decomposed accent; and a case fold that leaves a decomposed accent (long s + acute).
SAME_NAME = [
    ("lessons/b\u00e0i.md", "lessons/ba\u0300i.md"),
    ("lessons/\u00c0.md", "lessons/a\u0300.md"),
    ("lessons/\u015b.md", "lessons/\u017f\u0301.md"),
    ("b\u00e0i/one.md", "ba\u0300i/two.md"),
]


@pytest.mark.parametrize(("first", "second"), SAME_NAME, ids=["nfc-nfd", "case-and-nfd", "long-s", "folders"])
def test_names_differing_only_in_unicode_normalisation_are_refused(tmp_path, first, second):
    archive = make_zip(tmp_path / "a.zip", {**good_entries(), first: "one", second: "two"})
    errors = refused(archive, tmp_path)
    assert len(errors) == 1 and errors[0].startswith(f"{second}: clashes with "), errors
    assert "ignoring case and Unicode normalisation" in errors[0]


# -- zip bombs and limits ------------------------------------------------------------


def overlapping_zip(path: Path) -> Path:
    """Two central-directory records pointing at the same local file data."""
    make_zip(path, good_entries(), compression=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    eocd = data.rindex(b"PK\x05\x06")
    _sig, _disk, _cd_disk, n_disk, n_total, cd_size, cd_offset, _comment = struct.unpack(
        "<4s4H2LH", data[eocd : eocd + 22]
    )
    first = data[cd_offset : cd_offset + 46]
    name_len, extra_len, comment_len = struct.unpack("<3H", first[28:34])
    record = bytearray(data[cd_offset : cd_offset + 46 + name_len + extra_len + comment_len])
    # Same local header offset and sizes, but another name: a second "file" over the same bytes.
    clone_name = b"pack.yml"
    clone = record[:28] + struct.pack("<H", len(clone_name)) + record[30:46] + clone_name
    clone += record[46 + name_len :]
    central = data[cd_offset : cd_offset + cd_size] + clone
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n_disk + 1, n_total + 1, len(central), cd_offset, 0)
    path.write_bytes(bytes(data[:cd_offset] + central + end))
    return path


def test_overlapping_entries_are_refused(tmp_path):
    archive = overlapping_zip(tmp_path / "a.zip")
    with zipfile.ZipFile(archive) as zf:  # zipfile itself opens it without complaint
        assert zf.namelist() == ["pack.yaml", "lessons/one.md", "pack.yml"]
    errors = refused(archive, tmp_path)
    assert any("overlaps" in e and "pack.yml" in e for e in errors), errors


def test_entries_past_the_central_directory_are_refused(tmp_path):
    archive = make_zip(tmp_path / "a.zip", good_entries(), compression=zipfile.ZIP_STORED)
    data = bytearray(archive.read_bytes())
    cd_offset = struct.unpack("<L", data[data.rindex(b"PK\x05\x06") + 16 :][:4])[0]
    # Claim the first entry's compressed size runs far past where the central directory begins.
    data[cd_offset + 20 : cd_offset + 24] = struct.pack("<L", len(data) * 2)
    archive.write_bytes(bytes(data))
    assert any("past the start of the central directory" in e for e in refused(archive, tmp_path))


def test_too_many_entries_are_refused(tmp_path):
    entries = {**good_entries(), **{f"lessons/{i}.md": "x" for i in range(20)}}
    archive = make_zip(tmp_path / "a.zip", entries)
    assert any("22 entries; at most 10" in e for e in refused(archive, tmp_path, max_entries=10))


def test_the_default_limits_are_documented_constants():
    assert source.MAX_ENTRIES == 2_000
    assert source.MAX_TOTAL_BYTES == 200 * 1024 * 1024
    assert source.MAX_FILE_BYTES == 50 * 1024 * 1024
    assert (source.MAX_RATIO, source.RATIO_THRESHOLD_BYTES) == (100, 1024 * 1024)


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {**good_entries(), "lessons/big.md": os.urandom(5000)})
    errors = refused(archive, tmp_path, max_file_bytes=4096)
    assert any(e.startswith("lessons/big.md:") and "5000 bytes" in e for e in errors), errors


def test_total_size_over_the_limit_is_refused(tmp_path):
    entries = {**good_entries(), **{f"lessons/{i}.bin": os.urandom(3000) for i in range(4)}}
    archive = make_zip(tmp_path / "a.zip", entries)
    assert any("at most 10000 bytes" in e for e in refused(archive, tmp_path, max_total_bytes=10_000))


def test_an_over_compressed_file_is_refused(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {**good_entries(), "lessons/zeros.bin": bytes(2 * 1024 * 1024)})
    errors = refused(archive, tmp_path)
    assert any(e.startswith("lessons/zeros.bin:") and "100 to 1" in e for e in errors), errors


def lying_sizes(path: Path, entry: str, claimed: int) -> Path:
    """Patch both headers of ``entry`` to claim ``claimed`` uncompressed bytes (a lie)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(entry)
    data[info.header_offset + 22 : info.header_offset + 26] = struct.pack("<L", claimed)
    cd = data.index(b"PK\x01\x02")
    while True:
        name_len = struct.unpack("<H", data[cd + 28 : cd + 30])[0]
        if data[cd + 46 : cd + 46 + name_len] == entry.encode():
            data[cd + 24 : cd + 28] = struct.pack("<L", claimed)
            break
        extra, comment = struct.unpack("<2H", data[cd + 30 : cd + 34])
        cd += 46 + name_len + extra + comment
    path.write_bytes(bytes(data))
    return path


def test_sizes_are_counted_while_decompressing_not_trusted_from_headers(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {**good_entries(), "lessons/zeros.bin": bytes(300_000)})
    lying_sizes(archive, "lessons/zeros.bin", 10)  # claims 10 bytes, so the header checks pass
    errors = refused(archive, tmp_path)
    assert any(e.startswith("lessons/zeros.bin:") and "cannot be extracted" in e for e in errors), errors


def test_encrypted_entries_are_refused(tmp_path):
    archive = make_zip(tmp_path / "a.zip", good_entries())
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("lessons/one.md")
    data[info.header_offset + 6] |= 0x1  # local header general-purpose flag
    cd = data.index(b"PK\x01\x02")
    while data[cd + 46 : cd + 46 + len(b"lessons/one.md")] != b"lessons/one.md":
        name_len, extra, comment = struct.unpack("<3H", data[cd + 28 : cd + 34])
        cd += 46 + name_len + extra + comment
    data[cd + 8] |= 0x1
    archive.write_bytes(bytes(data))
    assert any(e.startswith("lessons/one.md:") and "encrypted" in e for e in refused(archive, tmp_path))


@pytest.mark.parametrize(
    "content", [b"", b"not a zip at all", b"PK\x03\x04" + bytes(40), b"PK\x05\x06" + bytes(18)], ids=repr
)
def test_non_zip_or_corrupt_files_are_refused_clearly(tmp_path, content):
    path = tmp_path / "pack.zip"
    path.write_bytes(content)
    with pytest.raises(PackInvalid) as info, open_source(path):
        pass
    assert "pack.zip" in str(info.value)


def test_corrupt_data_is_refused_and_nothing_left(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {**good_entries(), "lessons/data.txt": "hello " * 1000})
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("lessons/data.txt")
    start = info.header_offset + 30 + len(b"lessons/data.txt") + 5
    data[start : start + 4] = b"\xff\xff\xff\xff"
    archive.write_bytes(bytes(data))
    errors = refused(archive, tmp_path)
    assert any(e.startswith("lessons/data.txt:") for e in errors), errors


def test_a_missing_path_is_refused(tmp_path):
    with pytest.raises(PackInvalid, match="not found"), open_source(tmp_path / "nope.zip"):
        pass


# -- folders --------------------------------------------------------------------------


def pack_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    (folder / "lessons").mkdir(parents=True)
    (folder / "pack.yaml").write_text(PACK_YAML, encoding="utf-8")
    (folder / "lessons" / "one.md").write_text(LESSON, encoding="utf-8")
    return folder


def test_a_folder_is_used_in_place(tmp_path):
    folder = pack_folder(tmp_path)
    (folder / "lessons" / "alias.md").symlink_to("one.md")  # a link staying inside is fine
    with open_source(folder) as root:
        assert root == folder
    assert folder.exists()


def test_a_folder_with_a_link_leaving_it_is_refused(tmp_path):
    folder = pack_folder(tmp_path)
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (folder / "lessons" / "secret.md").symlink_to(tmp_path / "secret.txt")
    (folder / "etc").symlink_to("/etc")
    errors = source.links_leaving(folder)
    assert sorted(e.where for e in errors) == ["etc", "lessons/secret.md"]
    assert all("outside the pack" in e.message for e in errors)
    # Loading the pack reports them together with every other error, never reading through them.
    with pytest.raises(PackInvalid) as info, open_source(folder) as root:
        load_pack(root, {})
    assert {"etc", "lessons/secret.md"} <= {e.where for e in info.value.errors}


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200b", "\x1b"], ids=lambda c: f"U+{ord(c):04X}")
def test_a_folder_entry_with_a_control_or_invisible_character_is_refused(tmp_path, char):
    folder = pack_folder(tmp_path)
    (folder / "media").mkdir()
    (folder / "media" / f"report{char}gnp.exe").write_bytes(b"MZ")  # never referenced, but installed and served
    (folder / f"bai{char}").mkdir()
    (folder / f"bai{char}" / "two.md").write_text("x", encoding="utf-8")
    with pytest.raises(PackInvalid) as info:
        load_pack(folder, page_types())
    found = {(e.where, e.message.split(" (")[0]) for e in info.value.errors}
    kind = "has a control character" if char == "\x1b" else "has an invisible formatting character"
    # The folder is named once, not once more for every file inside it.
    assert found == {(f"media/report{shown(char)}gnp.exe", kind), (f"bai{shown(char)}", kind)}


def test_folder_entries_differing_only_in_case_or_normalisation_are_refused(tmp_path):
    folder = pack_folder(tmp_path)
    (folder / "media").mkdir()
    (folder / "media" / "ba\u0300i.png").write_bytes(b"NFD")  # as macOS writes "bài"
    (folder / "media" / "b\u00e0i.png").write_bytes(b"NFC")  # as Windows writes it
    (folder / "Lessons").mkdir()
    (folder / "Lessons" / "two.md").write_text("x", encoding="utf-8")
    if len(list(folder.iterdir())) != 4 or len(list((folder / "media").iterdir())) != 2:
        pytest.skip("this file system folds case or normalisation itself")
    with pytest.raises(PackInvalid) as info:
        load_pack(folder, page_types())
    why = "(the same name, ignoring case and Unicode normalisation)"
    assert sorted((e.where, e.message) for e in info.value.errors) == [
        ("lessons", f"clashes with 'Lessons/' {why}"),
        ("media/b\u00e0i.png", f"clashes with 'media/ba\u0300i.png' {why}"),
    ]


@pytest.mark.parametrize(
    "reference",
    [
        'content: {file: "lessons/one\\u202e.md"}',  # from pack.yaml
        'content: {text: "![S\u01a1 \u0111\u1ed3](media/so-do\\u200b.png)"}',  # from Markdown
        'content: {text: "[T\u1ea3i v\u1ec1](media/report%E2%80%AEgnp.exe)"}',  # percent-encoded
    ],
    ids=["pack.yaml", "markdown", "markdown-encoded"],
)
def test_a_path_with_an_invisible_character_is_refused_where_it_is_named(tmp_path, reference):
    folder = pack_folder(tmp_path)
    manifest = folder / "pack.yaml"
    manifest.write_text(PACK_YAML.replace("content: {file: lessons/one.md}", reference), encoding="utf-8")
    with pytest.raises(PackInvalid) as info:
        load_pack(folder, page_types())
    [error] = info.value.errors
    assert error.where.startswith("pack.yaml: course.modules[0].lessons[0].content.")
    assert "has an invisible formatting character (U+" in error.message, error.message
    assert "\\u" in error.message and not any(unicodedata.category(c) == "Cf" for c in str(error))


def test_pack_files_refuse_an_invisible_character_even_when_the_file_exists(tmp_path):
    folder = pack_folder(tmp_path)
    (folder / "lessons" / "one\u202e.md").write_text(LESSON, encoding="utf-8")
    files = FolderFiles(folder, "zipped-pack", "1.0.0")
    for read in (files.read_text, files.media_url):
        with pytest.raises(ContentInvalid) as info:
            read("lessons/one\u202e.md")
        assert [str(e) for e in info.value.errors] == [
            "lessons/one\\u202e.md: has an invisible formatting character (U+202E) in its name"
        ]
    assert files.read_text("lessons/one.md") == LESSON


# -- YAML -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "why"),
    [
        ("a: 1\nb: !!python/object/apply:os.system [echo]\n", 2, "tags"),
        ("a: 1\n\nb: !custom x\n", 3, "tags"),
        ("a: !!str 1\n", 1, "tags"),
        ("a: &x [1, 2]\nb: *x\n", 1, "anchors"),
        ("a: 1\nb: *x\n", 2, "alias"),
        ("a: 1\nb: 2\na: 3\n", 3, "twice"),
        ("a:\n  x: 1\n  y: 2\n  x: 3\n", 4, "twice"),
        ("a: [1, 2\n", 2, "not valid YAML"),
        ("a: 2024-02-31\n", 1, "not valid YAML"),
        ("a: 1\nb: 0x_\n", 2, "not valid YAML"),
        ("a: 1\nb: " + "[" * 100 + "]" * 100 + "\n", 2, "nested"),
        ("a: 1\nb: \x07\n", 2, "unacceptable character"),
    ],
    ids=lambda v: repr(v)[:40] if isinstance(v, str) else str(v),
)
def test_unsafe_or_broken_yaml_is_refused_with_its_line(text, line, why):
    with pytest.raises(PackInvalid) as info:
        load_yaml(text, "pack.yaml")
    (error,) = info.value.errors
    assert error.where == f"pack.yaml:{line}"
    assert why in error.message


def test_billion_laughs_is_refused_at_the_first_anchor():
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
    with pytest.raises(PackInvalid, match=r"pack.yaml:1: anchors"):
        load_yaml("\n".join(lines), "pack.yaml")


def test_yaml_over_the_size_limit_is_refused():
    with pytest.raises(PackInvalid, match="larger than 1 MB") as info:
        load_yaml("a: " + "x" * (1024 * 1024), "pack.yaml")
    assert info.value.errors[0].where == "pack.yaml:1"


def test_yaml_otherwise_loads_like_safe_load():
    text = "a: 1\nb: [x, 2.5, true, null]\nc: {d: '01'}\n<<: {e: 3}\nf: 2024-02-29\n"
    import yaml

    assert load_yaml(text, "pack.yaml") == yaml.safe_load(text)
    assert load_yaml("", "pack.yaml") is None


# -- through the command line -----------------------------------------------------------


def cli_env(tmp_path: Path) -> dict[str, str]:
    database = tmp_path / "instance" / "elearn.sqlite3"
    database.parent.mkdir()
    return {
        "ELEARN_INSTANCE_PATH": str(database.parent),
        "ELEARN_DATABASE_URL": f"sqlite:///{database}",
        "ELEARN_PASSWORD_HASH": json.dumps(FAST_HASH),
    }


def _cli_takes_zip() -> bool:
    param = main.commands["pack"].commands["install"].params[0]
    return getattr(param.type, "file_okay", True)


# CLI-LEVEL ZIP TEST: skipped until `elearn pack validate/install` accept a .zip (via open_source).
@pytest.mark.skipif(not _cli_takes_zip(), reason="the pack commands do not take .zip archives yet")
@pytest.mark.parametrize("prefix", ["", "my-pack/"], ids=["root", "single-folder"])
def test_a_good_zip_validates_and_installs_through_the_cli(tmp_path, prefix):
    env = cli_env(tmp_path)
    archive = make_zip(tmp_path / "pack.zip", good_entries(prefix))
    run = CliRunner().invoke
    assert run(main, ["db", "upgrade"], env=env).exit_code == 0
    result = run(main, ["pack", "validate", str(archive)], env=env)
    assert result.exit_code == 0, result.output
    assert "zipped-pack 1.0.0: valid" in result.output
    result = run(main, ["pack", "install", str(archive)], env=env)
    assert result.exit_code == 0, result.output
    assert "installed zipped-pack 1.0.0" in result.output


@pytest.mark.skipif(not _cli_takes_zip(), reason="the pack commands do not take .zip archives yet")
def test_a_bad_zip_is_refused_by_the_cli_with_each_entry_named(tmp_path):
    env = cli_env(tmp_path)
    archive = make_zip(tmp_path / "pack.zip", {**good_entries(), "../evil": "x"})
    result = CliRunner().invoke(main, ["pack", "validate", str(archive)], env=env)
    assert result.exit_code != 0
    assert "../evil" in result.output


def test_validating_on_a_site_without_a_database_checks_the_pack_alone_and_creates_none(tmp_path):
    env = cli_env(tmp_path)
    folder = pack_folder(tmp_path)
    result = CliRunner().invoke(main, ["pack", "validate", str(folder)], env=env)
    assert result.exit_code == 0, result.output
    assert "zipped-pack 1.0.0: valid" in result.output
    assert not Path(env["ELEARN_DATABASE_URL"].removeprefix("sqlite:///")).exists()
