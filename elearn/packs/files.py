"""The files of a pack folder, read only from inside it, and their views per language.

A file may have a version per language beside it: ``bai-1.en.md`` is the English of
``bai-1.md`` (the Vietnamese may also be named ``bai-1.vi.md``). ``LocalisedFiles`` reads,
for one language, the file of that language when there is one, so a lesson type reads the
path the author wrote and gets the right text.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from flask_babel import gettext as _

from elearn.models.courses import CANONICAL_LOCALE
from elearn.packs.source import unsafe_character, visible
from elearn.plugins.lesson_type import ContentError, ContentInvalid, PackFiles

MAX_FILE_BYTES = 5 * 1024 * 1024


class FolderFiles:
    """``PackFiles`` over a folder: refuses absolute paths, ``..``, links leaving the pack, and
    control or invisible characters (as in every pack path, see ``source.unsafe_character``).

    Files are checked by size only (``stat``), never read, unless a lesson type reads one as text:
    a video of hundreds of MB is copied to the installed pack's folder and served from disk.

    ``pack_id`` and ``version`` are needed only for ``media_url``: installed packs keep a
    copy of their files at ``<instance>/media/packs/<pack_id>/<version>/``, served by the
    core's media route.
    """

    def __init__(self, root: Path, pack_id: str | None = None, version: str | None = None,
                 file_limits: Mapping[str, int] | None = None) -> None:
        self.root = Path(root).resolve()
        self.pack_id = pack_id
        self.version = version
        # Larger limits for some file endings (``.mp4``: hundreds of MB), declared by plugins (``FileLimit``).
        self.file_limits = {suffix.lower(): size for suffix, size in (file_limits or {}).items()}

    def _inside(self, path: str) -> Path:
        """``path`` in the pack, whether or not a file is there; ``ContentInvalid`` for a path that may not be read."""
        if problem := unsafe_character(path):
            raise ContentInvalid([ContentError(visible(path), problem)])
        pure = PurePosixPath(path)
        if not path or "\\" in path or pure.is_absolute() or ".." in pure.parts or ":" in pure.parts[0]:
            raise ContentInvalid([ContentError(path, _("must be a relative path inside the pack"))])
        full = (self.root / pure).resolve()
        if not full.is_relative_to(self.root):
            raise ContentInvalid([ContentError(path, _("points outside the pack"))])
        return full

    def resolve(self, path: str) -> Path:
        full = self._inside(path)
        if not full.is_file():
            raise ContentInvalid([ContentError(path, _("file not found in the pack"))])
        most = self.file_limits.get(full.suffix.lower(), MAX_FILE_BYTES)
        if full.stat().st_size > most:
            size = _("%(num)d MB", num=most // 1024 // 1024)
            raise ContentInvalid([ContentError(path, _("larger than %(size)s", size=size))])
        return full

    def exists(self, path: str) -> bool:
        """Whether ``path`` names a file that may be read (a refused path does not exist)."""
        try:
            return self._inside(path).is_file()
        except ContentInvalid:
            return False

    def name_of(self, path: str) -> str:
        return path

    def read_text(self, path: str) -> str:
        full = self.resolve(path)
        try:
            return full.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ContentInvalid([ContentError(path, _("is not UTF-8 text"))]) from None

    def media_url(self, path: str) -> str:
        """The URL serving a file of the pack: ``/media/packs/<pack_id>/<version>/<path>``.

        Same checks as ``read_text`` (relative, inside the pack, exists); raises ``ContentInvalid``.
        """
        full = self.resolve(path)
        if not self.pack_id or not self.version:
            raise ContentInvalid([ContentError(path, _("cannot be linked until the pack has a valid id and version"))])
        relative = full.relative_to(self.root).as_posix()
        return f"/media/packs/{quote(self.pack_id)}/{quote(self.version)}/{quote(relative)}"


def language_variant(path: str, locale: str) -> str | None:
    """The name of ``path``'s version in ``locale``: ``bai.md`` or ``bai.vi.md`` give ``bai.en.md``.

    None for a name without an extension (``README``), which has no such version.
    """
    pure = PurePosixPath(path)
    if not pure.suffix or not pure.stem:
        return None
    stem = pure.stem.removesuffix(f".{CANONICAL_LOCALE}") or pure.stem
    return str(pure.with_name(f"{stem}.{locale}{pure.suffix}"))


class LocalisedFiles:
    """The ``PackFiles`` a lesson type gets for one language.

    For a translation (``locale`` other than Vietnamese) ``x.md`` reads ``x.<locale>.md`` when the
    pack has it, else ``x.md``; for Vietnamese, ``x.md``, else ``x.vi.md``. Paths are checked as
    ``FolderFiles`` checks them; errors name the path the author wrote.
    """

    def __init__(self, files: PackFiles, locale: str) -> None:
        self.files = files
        self.locale = locale

    def _candidates(self, path: str) -> list[str]:
        own = language_variant(path, self.locale)
        if self.locale == CANONICAL_LOCALE:
            return [path] if own in (None, path) else [path, own]
        vietnamese = language_variant(path, CANONICAL_LOCALE)
        return [name for name in (own, path, vietnamese) if name]

    def name_of(self, path: str) -> str:
        """The file of the pack read for ``path`` in this language: ``x.en.md`` for ``x.md`` when it exists."""
        exists = getattr(self.files, "exists", None)
        if exists is None:
            return path
        return next((name for name in self._candidates(path) if exists(name)), path)

    def translates(self, path: str) -> bool:
        """Whether the pack has a file of this language for ``path`` (``x.en.md`` for ``x.md``)."""
        if self.locale == CANONICAL_LOCALE or not isinstance(path, str) or "\n" in path or len(path) > 1000:
            return False
        own = language_variant(path, self.locale)
        exists = getattr(self.files, "exists", None)
        return own is not None and exists is not None and own != path and exists(own)

    def read_text(self, path: str) -> str:
        return self.files.read_text(self.name_of(path))

    def media_url(self, path: str) -> str:
        return self.files.media_url(self.name_of(path))
