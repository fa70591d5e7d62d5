"""A small strict WebVTT reader: the cues of a caption file, or every problem as ``line: message``.

webvtt-py is not among the packages this site may install, so the few rules a caption file must
keep are checked here, at ``pack validate`` time, so that a broken file is found by the author and
never by a learner whose player silently shows nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STAMP = r"(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}"
TIMING = re.compile(rf"^(?P<start>{STAMP})[ \t]+-->[ \t]+(?P<end>{STAMP})(?:[ \t].*)?$")
TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


class VttError(Exception):
    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(f"{line}: {message}" for line, message in problems))
        self.problems = problems


def seconds(stamp: str) -> float:
    parts = stamp.split(":")
    if len(parts) == 2:
        parts.insert(0, "0")
    hours, minutes, rest = parts
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def parse(text: str) -> list[Cue]:
    """The cues of ``text`` in order; ``VttError`` listing each bad line (1-based) otherwise.

    Checked: the ``WEBVTT`` signature, each timing line's form, start before end, cues in time
    order (players need them so), a cue with text. Cue settings and NOTE/STYLE blocks are allowed;
    tags (``<v Lan>``) are dropped from the transcript text.
    """
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    problems: list[tuple[int, str]] = []
    if not lines or not (lines[0] == "WEBVTT" or lines[0].startswith(("WEBVTT ", "WEBVTT\t"))):
        raise VttError([(1, "a WebVTT file starts with the line 'WEBVTT'")])
    cues: list[Cue] = []
    index = 1
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        block_start = index
        block = []
        while index < len(lines) and lines[index].strip():
            block.append(lines[index])
            index += 1
        if block[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        timing_at = 0 if "-->" in block[0] else 1
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            problems.append((block_start + 1, "a cue needs a timing line 'hh:mm:ss.ttt --> hh:mm:ss.ttt'"))
            continue
        line_no = block_start + timing_at + 1
        found = TIMING.match(block[timing_at].strip())
        if found is None:
            problems.append((line_no, f"bad timing {block[timing_at].strip()!r}: use 'mm:ss.ttt --> mm:ss.ttt'"))
            continue
        start, end = seconds(found["start"]), seconds(found["end"])
        if end <= start:
            problems.append((line_no, "the cue ends before it starts"))
            continue
        if cues and start < cues[-1].start:
            problems.append((line_no, "cues must be in time order"))
            continue
        words = " ".join(TAG.sub("", line).strip() for line in block[timing_at + 1:]).strip()
        if not words:
            problems.append((line_no, "the cue has no text"))
            continue
        cues.append(Cue(start, end, words))
    if problems:
        raise VttError(problems)
    if not cues:
        raise VttError([(1, "the file has no cues")])
    return cues
