"""The files of a pack folder, read only from inside it."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import quote

from flask_babel import gettext as _

from elearn.packs.source import unsafe_character, visible
from elearn.plugins.lesson_type import ContentError, ContentInvalid

MAX_FILE_BYTES = 5 * 1024 * 1024


class FolderFiles:
    """``PackFiles`` over a folder: refuses absolute paths, ``..``, links leaving the pack, and
    control or invisible characters (as in every pack path, see ``source.unsafe_character``).

    ``pack_id`` and ``version`` are needed only for ``media_url``: installed packs keep a
    copy of their files at ``<instance>/media/packs/<pack_id>/<version>/``, served by the
    core's media route.
    """

    def __init__(self, root: Path, pack_id: str | None = None, version: str | None = None) -> None:
        self.root = Path(root).resolve()
        self.pack_id = pack_id
        self.version = version

    def resolve(self, path: str) -> Path:
        if problem := unsafe_character(path):
            raise ContentInvalid([ContentError(visible(path), problem)])
        pure = PurePosixPath(path)
        if not path or "\\" in path or pure.is_absolute() or ".." in pure.parts or ":" in pure.parts[0]:
            raise ContentInvalid([ContentError(path, _("must be a relative path inside the pack"))])
        full = (self.root / pure).resolve()
        if not full.is_relative_to(self.root):
            raise ContentInvalid([ContentError(path, _("points outside the pack"))])
        if not full.is_file():
            raise ContentInvalid([ContentError(path, _("file not found in the pack"))])
        if full.stat().st_size > MAX_FILE_BYTES:
            size = _("%(num)d MB", num=MAX_FILE_BYTES // 1024 // 1024)
            raise ContentInvalid([ContentError(path, _("larger than %(size)s", size=size))])
        return full

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
