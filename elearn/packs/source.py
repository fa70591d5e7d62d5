"""Where a pack comes from: a folder, or a ``.zip`` of one, and its YAML read safely.

Everything here treats its input as hostile. A zip archive is checked entry by
entry before anything is written (names, types, duplicates, overlapping data,
declared sizes), then streamed out while counting the bytes actually
decompressed; any problem raises ``PackInvalid`` listing every problem found,
and nothing extracted is left behind. YAML is read without tags, anchors or
aliases, with a size and nesting limit, and duplicate keys are refused.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import struct
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from flask_babel import gettext as _
from flask_babel import ngettext

from elearn.plugins.lesson_type import ContentError

MANIFEST = "pack.yaml"

# -- limits (each can be overridden per call, e.g. by tests) -----------------------

#: Largest archive file accepted at all (bounds the central directory zipfile reads).
MAX_ARCHIVE_BYTES = 200 * 1024 * 1024
#: Most entries (files and folders) in one archive.
MAX_ENTRIES = 2_000
#: Most bytes decompressed from one archive, counted as they are decompressed.
MAX_TOTAL_BYTES = 200 * 1024 * 1024
#: Most bytes decompressed from one entry.
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Highest compression ratio (uncompressed / compressed) for an entry larger than
#: ``RATIO_THRESHOLD_BYTES``; a higher one is taken for a zip bomb.
MAX_RATIO = 100
RATIO_THRESHOLD_BYTES = 1024 * 1024
#: Longest entry name, and longest single component of it, in UTF-8 bytes.
MAX_NAME_BYTES = 1024
MAX_COMPONENT_BYTES = 255
#: Largest YAML text ``load_yaml`` parses, in UTF-8 bytes.
MAX_YAML_BYTES = 1024 * 1024
#: Deepest nesting of YAML sequences and mappings.
MAX_YAML_DEPTH = 64

_CHUNK = 64 * 1024
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # = zipfile.structFileHeader, 30 bytes
_LOCAL_SIGNATURE = b"PK\x03\x04"
_SUPPORTED_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_DRIVE = re.compile(r"^[A-Za-z]:")
#: Unicode categories no file name of a pack may hold: control characters (Cc: NUL, ESC, NEL...),
#: invisible format characters (Cf: bidi overrides and isolates, zero-width spaces and joiners, BOM,
#: soft hyphen; "report\u202egnp.exe" reads as "reportexe.png"), and lone surrogates (Cs: a
#: folder entry whose name is not UTF-8).
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_SURROGATE = re.compile("[\ud800-\udfff]")
# Folders some archivers add next to the real content; never extracted.
_IGNORED_TOP = {"__MACOSX"}


class PackInvalid(Exception):
    """Every problem found in a pack, each with its place (file, line or field path)."""

    def __init__(self, errors: list[ContentError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


# -- sources ------------------------------------------------------------------------


@contextmanager
def open_source(path: Path, label: str | None = None, file_limits: Mapping[str, int] | None = None) -> Iterator[Path]:
    """Yield the folder holding ``pack.yaml``: the folder itself, or a zip extracted safely.

    A folder is used in place (``links_leaving`` finds the symbolic links that
    would leave it; ``load_pack`` reports them with every other error). A zip is
    extracted into a temporary folder removed on exit. ``label`` names the zip in messages (the
    name an uploaded file had on the person's computer); the file's own name otherwise.
    ``file_limits``: larger per-file limits by file ending, from plugins (``FileLimit``).
    """
    path = Path(path)
    if path.is_dir():
        yield path
        return
    if not path.is_file():
        raise PackInvalid([ContentError(str(path), _("not found"))])
    with tempfile.TemporaryDirectory(prefix="elearn-pack-") as tmp:
        yield extract_zip(path, Path(tmp), label=label, file_limits=file_limits)


def links_leaving(folder: Path) -> list[ContentError]:
    """Every symbolic link in ``folder`` that is broken or resolves outside it."""
    root = folder.resolve()
    errors = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in sorted(dirnames + filenames):
            entry = Path(dirpath) / name
            if not entry.is_symlink():
                continue
            where = entry.relative_to(folder).as_posix()
            try:
                resolved = entry.resolve(strict=True)
            except (OSError, RuntimeError):
                errors.append(ContentError(where, _("is a broken or looping symbolic link")))
                continue
            if not resolved.is_relative_to(root):
                errors.append(ContentError(where, _("is a symbolic link pointing outside the pack")))
    return errors


def unsafe_names(folder: Path) -> list[ContentError]:
    """Every entry of ``folder`` whose name a zip of the folder would be refused for.

    The same rules as for zip entries (``_name_problem``: characters, backslashes, drive
    letters, length; and names that differ only in case or Unicode normalisation), so a
    folder pack is valid exactly when its zip is. A refused folder is not looked into.
    """
    errors = []
    spellings = _Spellings()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames.sort()
        here = Path(dirpath).relative_to(folder)
        for name, is_dir in sorted([(d, True) for d in dirnames] + [(f, False) for f in filenames]):
            relative = (here / name).as_posix()
            problem = _name_problem(relative + "/" * is_dir)
            problems = [problem] if problem else spellings.add(relative, is_dir)
            if problems and is_dir:
                dirnames.remove(name)
            errors.extend(ContentError(visible(relative), message) for message in problems)
    return errors


def extract_zip(
    archive: Path,
    target: Path,
    *,
    max_archive_bytes: int = MAX_ARCHIVE_BYTES,
    max_entries: int = MAX_ENTRIES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_ratio: float = MAX_RATIO,
    ratio_threshold_bytes: int = RATIO_THRESHOLD_BYTES,
    label: str | None = None,
    file_limits: Mapping[str, int] | None = None,
) -> Path:
    """Extract ``archive`` into ``target`` and return the pack's root folder.

    The root is the archive's top, or its single top-level folder, whichever
    holds ``pack.yaml``. On any problem, ``PackInvalid`` lists them all (each
    with the entry's name) and nothing is left in ``target``.

    ``file_limits`` maps file endings (``.mp4``) to a per-file limit other than
    ``max_file_bytes`` (plugins' ``FileLimit``s); the archive and total limits then leave room for
    two files of the largest such size besides. Entries are streamed to disk a chunk at a time.
    """
    archive = Path(archive)
    limits = {suffix.lower(): size for suffix, size in (file_limits or {}).items()}
    if limits:
        room = 2 * max(limits.values())
        max_archive_bytes, max_total_bytes = max_archive_bytes + room, max_total_bytes + room
    per_file = _per_file(max_file_bytes, limits)
    label = visible(label or archive.name)
    try:
        size = archive.stat().st_size
    except OSError as exc:
        raise PackInvalid([ContentError(label, _("cannot be read: %(reason)s", reason=exc.strerror or exc))]) from None
    if size > max_archive_bytes:
        raise PackInvalid([ContentError(label, _("archive larger than %(size)s", size=_human(max_archive_bytes)))])
    try:
        zf = zipfile.ZipFile(archive)
    except Exception as exc:  # any failure to read untrusted bytes is a bad archive
        problem = _("is not a valid .zip archive (%(reason)s)", reason=_reason(exc))
        raise PackInvalid([ContentError(label, problem)]) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > max_entries:
            raise PackInvalid([ContentError(label, ngettext(
                "has %(num)d entries; at most %(max)d allowed", "has %(num)d entries; at most %(max)d allowed",
                len(infos), max=max_entries))])
        errors = _check_entries(infos, label, per_file, max_total_bytes, max_ratio, ratio_threshold_bytes)
        errors += _check_layout(zf, infos, size)
        if errors:
            raise PackInvalid(errors)
        root = _find_root(infos)
        if root is None:
            raise PackInvalid([ContentError(label, _(
                "no %(manifest)s at the top of the archive or of its single folder", manifest=MANIFEST))])
        _stream(zf, infos, Path(target), label, max_total_bytes, per_file, max_ratio, ratio_threshold_bytes)
    return Path(target).joinpath(*root)


def _per_file(default: int, limits: Mapping[str, int]) -> Callable[[str], int]:
    """The most bytes a file of this name may have: its ending's limit, else ``default``."""
    def limit(name: str) -> int:
        suffix = PurePosixPath(name).suffix.lower()
        return limits.get(suffix, default)

    return limit


def _bomb(max_ratio: float) -> str:
    return _("compressed more than %(ratio)s to 1 (a zip bomb?)", ratio=f"{max_ratio:g}")


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _human(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return _("%(num)d MB", num=n // (1024 * 1024))
    return ngettext("%(num)d byte", "%(num)d bytes", n)


def unsafe_character(name: str) -> str | None:
    """Why ``name`` cannot name a file of a pack because of a character in it, or ``None``.

    The one check of characters in pack paths: zip entries, folder entries, and the paths
    ``pack.yaml`` and Markdown refer to (through ``FolderFiles``). Translated: the admin
    page shows it.
    """
    for char in name:
        category = unicodedata.category(char)
        if category not in _UNSAFE_CATEGORIES:
            continue
        code = f"U+{ord(char):04X}"
        if category == "Cc":
            return _("has a control character (%(code)s) in its name", code=code)
        if category == "Cf":
            return _("has an invisible formatting character (%(code)s) in its name", code=code)
        return _("has a name that is not valid UTF-8")
    return None


def visible(name: str) -> str:
    """``name`` with the characters ``unsafe_character`` refuses written as escapes (``\\u202e``).

    Used wherever such a name is shown: raw, a bidi override would reverse the rest of the
    error line on the page, and an escape character would reach the operator's terminal.
    """
    return "".join(repr(char)[1:-1] if unicodedata.category(char) in _UNSAFE_CATEGORIES else char for char in name)


def _name_problem(name: str) -> str | None:
    """Why an entry name is unsafe, or ``None``."""
    if not name or name == "/":
        return _("has an empty name")
    if problem := unsafe_character(name):
        return problem
    if "\\" in name:
        return _("has a backslash in its name")
    if name.startswith("/"):
        return _("has an absolute name")
    if _DRIVE.match(name) or ":" in name.split("/", 1)[0]:
        return _("has a drive-letter name")
    parts = name.rstrip("/").split("/")
    if ".." in parts:
        return _("has a '..' component (path traversal)")
    if any(part in ("", ".") for part in parts):
        return _("has an empty or '.' component")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES or any(
        len(part.encode("utf-8", "surrogatepass")) > MAX_COMPONENT_BYTES for part in parts
    ):
        return _("has a name too long")
    return None


def _fold(parts: tuple[str, ...]) -> tuple[str, ...]:
    """A name as a case-insensitive, Unicode-normalising file system would see it.

    Unicode's canonical caseless match (NFD, case fold, then normalise again: folding can
    leave decomposed text, as with "ſ\u0301"), so "Bài.md" in NFC and in NFD are one name.
    """
    return tuple(unicodedata.normalize("NFC", unicodedata.normalize("NFD", p).casefold()) for p in parts)


class _Spellings:
    """The names met so far, as a case-insensitive, Unicode-normalising file system sees them.

    Two names that fold alike (``_fold``) clash: extracted or copied elsewhere they would be
    one file, and side by side they look the same to the people choosing between them.
    """

    def __init__(self) -> None:
        self.files: dict[tuple[str, ...], str] = {}  # folded parts -> first name
        self.folders: dict[tuple[str, ...], str] = {}  # explicit and implied folders -> first name

    def add(self, name: str, is_dir: bool) -> list[str]:
        """Record ``name`` (a file, or a folder) and its folders; return how it clashes, if it does."""
        problems: list[str] = []
        parts = tuple(name.rstrip("/").split("/"))
        folded = _fold(parts)
        for depth in range(1, len(parts) + is_dir):
            spelled, key = "/".join(parts[:depth]) + "/", folded[:depth]
            if key in self.files:
                first = self.files[key]
                inside = _("lies inside %(first)s, which is a file", first=repr(first))
                problems.append(_both(first) if depth == len(parts) else inside)
            elif self.folders.setdefault(key, spelled) != spelled:
                problems.append(_clash(self.folders[key]))
        if not is_dir:
            if folded in self.files:
                problems.append(_clash(self.files[folded]))
            elif folded in self.folders:
                problems.append(_both(self.folders[folded]))
            self.files.setdefault(folded, name)
        return problems


def _both(first: str) -> str:
    return _("is both a file and a folder (clashes with %(first)s)", first=repr(first))


def _clash(first: str) -> str:
    return _("clashes with %(first)s (the same name, ignoring case and Unicode normalisation)", first=repr(first))


def _check_entries(infos, label, max_file_bytes, max_total_bytes, max_ratio, ratio_threshold) -> list[ContentError]:
    errors: list[ContentError] = []
    spellings = _Spellings()
    seen: set[str] = set()
    declared_total = 0
    for info in infos:
        name = info.orig_filename

        def bad(message: str, name: str = name) -> None:
            errors.append(ContentError(visible(name), message))

        problem = _name_problem(name)
        if problem:
            bad(problem)
            continue
        mode = info.external_attr >> 16
        kind = stat.S_IFMT(mode)
        if kind == stat.S_IFLNK:
            bad(_("is a symbolic link"))
            continue
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            bad(_("is not a regular file or folder"))
            continue
        if info.flag_bits & 0x1:
            bad(_("is encrypted"))
        if info.compress_type not in _SUPPORTED_METHODS:
            bad(_("uses an unsupported compression method (%(method)s)", method=info.compress_type))
        is_dir = name.endswith("/") or kind == stat.S_IFDIR
        if name in seen:
            bad(_("appears twice in the archive"))
            continue
        seen.add(name)
        for clash in spellings.add(name, is_dir):
            bad(clash)
        if not is_dir:
            if info.file_size > max_file_bytes(name):
                bad(ngettext("declares %(num)d byte; at most %(size)s per file",
                             "declares %(num)d bytes; at most %(size)s per file", info.file_size,
                             size=_human(max_file_bytes(name))))
            if info.file_size > ratio_threshold and info.file_size > max_ratio * max(info.compress_size, 1):
                bad(_bomb(max_ratio))
            declared_total += info.file_size
    if declared_total > max_total_bytes:
        errors.append(ContentError(label, ngettext(
            "declares %(num)d byte; at most %(size)s", "declares %(num)d bytes; at most %(size)s", declared_total,
            size=_human(max_total_bytes))))
    return errors


def _check_layout(zf: zipfile.ZipFile, infos, archive_size: int) -> list[ContentError]:
    """Refuse entries whose data overlap another's or run past the central directory."""
    errors: list[ContentError] = []
    cd_start = getattr(zf, "start_dir", archive_size)
    spans: list[tuple[int, int, str]] = []
    fp = zf.fp
    for info in infos:
        name = info.orig_filename
        start = info.header_offset
        if start < 0 or start + _LOCAL_HEADER.size > cd_start:
            errors.append(ContentError(visible(name), _("has its data outside the archive's data area")))
            continue
        try:
            fp.seek(start)
            header = fp.read(_LOCAL_HEADER.size)
        except Exception as exc:
            errors.append(ContentError(visible(name), _("cannot be read (%(reason)s)", reason=_reason(exc))))
            continue
        if len(header) != _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
            errors.append(ContentError(visible(name), _("has a bad local header")))
            continue
        fields = _LOCAL_HEADER.unpack(header)
        name_len, extra_len = fields[-2], fields[-1]
        end = start + _LOCAL_HEADER.size + name_len + extra_len + info.compress_size
        if end > cd_start:
            errors.append(ContentError(visible(name), _(
                "has data running past the start of the central directory")))
            continue
        spans.append((start, end, name))
    spans.sort()
    furthest_end, furthest_name = -1, ""
    for start, end, name in spans:
        if start < furthest_end:
            errors.append(ContentError(visible(name), _(
                "overlaps the data of %(other)s (a zip bomb?)", other=repr(furthest_name))))
        if end > furthest_end:
            furthest_end, furthest_name = end, name
    return errors


def _find_root(infos) -> tuple[str, ...] | None:
    """The parts of the folder holding ``pack.yaml``: () for the top, or (folder,)."""
    names = [i.orig_filename for i in infos if i.orig_filename.split("/", 1)[0] not in _IGNORED_TOP]
    if MANIFEST in names:
        return ()
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1:
        (top,) = tops
        if f"{top}/{MANIFEST}" in names:
            return (top,)
    return None


def _stream(zf, infos, target: Path, label, max_total, max_file, max_ratio, ratio_threshold) -> None:
    target.mkdir(parents=True, exist_ok=True)
    created: list[Path] = []
    errors: list[ContentError] = []
    total = 0
    try:
        for info in infos:
            name = info.orig_filename
            if name.split("/", 1)[0] in _IGNORED_TOP:
                continue
            parts = name.rstrip("/").split("/")
            for depth in range(1, len(parts) + (1 if name.endswith("/") else 0)):
                folder = target.joinpath(*parts[:depth])
                if not folder.exists():
                    folder.mkdir()
                    created.append(folder)
            if name.endswith("/") or stat.S_IFMT(info.external_attr >> 16) == stat.S_IFDIR:
                folder = target.joinpath(*parts)
                if not folder.exists():
                    folder.mkdir()
                    created.append(folder)
                continue
            dest = target.joinpath(*parts)
            written = 0
            most = max_file(name)
            try:
                with zf.open(info) as src, open(dest, "xb") as out:
                    created.append(dest)
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        total += len(chunk)
                        if written > most:
                            errors.append(ContentError(
                                name, _("larger than %(size)s once decompressed", size=_human(most))))
                            break
                        if written > ratio_threshold and written > max_ratio * max(info.compress_size, 1):
                            errors.append(ContentError(name, _bomb(max_ratio)))
                            break
                        if total > max_total:
                            break
                        out.write(chunk)
            except Exception as exc:  # corrupt data, CRC mismatch, truncated archive...
                errors.append(ContentError(name, _("cannot be extracted (%(reason)s)", reason=_reason(exc))))
            if total > max_total:
                errors.append(ContentError(label, _("more than %(size)s once decompressed", size=_human(max_total))))
                break
    except BaseException:
        _remove(created)
        raise
    if errors:
        _remove(created)
        raise PackInvalid(errors)


def _remove(created: list[Path]) -> None:
    for path in reversed(created):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


# -- YAML ---------------------------------------------------------------------------

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _PackLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """``safe_load`` semantics, plus: duplicate keys refused, and where the last node began."""

    def construct_object(self, node, deep=False):
        self.last_mark = node.start_mark
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, Any] = {}
            for key_node, _value in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    continue  # the base class reports unhashable keys
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping",
                        node.start_mark,
                        _("the key %(key)s appears twice (first on line %(line)d)", key=repr(key),
                          line=seen[key].line + 1),
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


_COLLECTION_START = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_COLLECTION_END = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _event_problem(text: str) -> tuple[Any, str] | None:
    """Walk the event stream (no recursion, no alias expansion): tags, anchors, depth."""
    loader = _PackLoader(text)
    try:
        depth = 0
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent):
                return event.start_mark, _("aliases (*%(name)s) are not allowed", name=event.anchor)
            if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
                return event.start_mark, _("anchors (&%(name)s) are not allowed", name=event.anchor)
            if isinstance(event, (yaml.ScalarEvent, *_COLLECTION_START)) and event.tag is not None:
                return event.start_mark, _("tags (%(tag)s) are not allowed", tag=event.tag)
            if isinstance(event, _COLLECTION_START):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    return event.start_mark, _("nested more than %(num)d levels deep", num=MAX_YAML_DEPTH)
            elif isinstance(event, _COLLECTION_END):
                depth -= 1
        return None
    finally:
        loader.dispose()


def load_yaml(text: str, name: str) -> Any:
    """Parse YAML safely; raise ``PackInvalid`` naming ``name`` and the line.

    Like ``yaml.safe_load``, but refusing explicit tags, anchors and aliases
    (so no alias-expansion bombs), duplicate mapping keys, nesting deeper than
    ``MAX_YAML_DEPTH`` and text larger than ``MAX_YAML_BYTES``.
    """

    def invalid(line: int, message: str) -> PackInvalid:
        return PackInvalid([ContentError(f"{name}:{line}", message)])

    def line_of(exc: Exception, fallback=None) -> int:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None) or fallback
        if mark is not None:
            return mark.line + 1
        position = getattr(exc, "position", None)  # a ReaderError: a character position
        return text.count("\n", 0, position) + 1 if isinstance(position, int) else 1

    def message(exc: Exception) -> str:
        # PyYAML's own words stay English; the sentence around them is translated.
        if isinstance(exc, yaml.MarkedYAMLError):
            reason = exc.problem or exc.context or exc
        elif isinstance(exc, yaml.reader.ReaderError):
            reason = f"unacceptable character #x{exc.character:04x}: {exc.reason}"
        else:
            reason = _reason(exc)
        return _("not valid YAML: %(reason)s", reason=reason)

    if not isinstance(text, str):
        raise invalid(1, _("is not text"))
    if len(text) > MAX_YAML_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        at = text[:MAX_YAML_BYTES].encode("utf-8", "surrogatepass")[:MAX_YAML_BYTES]
        raise invalid(at.count(b"\n") + 1, _("larger than %(size)s", size=_human(MAX_YAML_BYTES)))
    if bad := _SURROGATE.search(text):
        raise invalid(text.count("\n", 0, bad.start()) + 1, _("is not valid Unicode text"))
    try:
        found = _event_problem(text)
    except Exception as exc:  # a MarkedYAMLError, a ReaderError, or anything the parser trips on
        raise invalid(line_of(exc), message(exc)) from None
    if found is not None:
        mark, problem = found
        raise invalid(mark.line + 1, problem)
    loader = _PackLoader(text)
    loader.last_mark = None
    try:
        return loader.get_single_data()
    except Exception as exc:  # YAML errors, or e.g. a timestamp like 2024-02-31 or an int like 0x_
        raise invalid(line_of(exc, loader.last_mark), message(exc)) from None
    finally:
        loader.dispose()
