"""Make the demo pack's short video: four slides read by espeak-ng's Vietnamese voice, with vi and en captions.

    python3 content_packs/make_demo_video.py

Needs ``espeak-ng`` and ``ffmpeg`` (Debian packages of those names); the files it writes are
committed, so the demo itself needs neither. It writes into ``hop-tac-xa-co-ban/media/``:

- ``ba-dieu-can-nho-240p.webm``: 426×240, VP8 at 5 frames a second and Opus, mono (slides need no more);
- ``ba-dieu-can-nho.m4a``: the sound only (AAC, 24 kbit/s), for the lesson's listen mode;
- ``ba-dieu-can-nho.vi.vtt`` and ``ba-dieu-can-nho.en.vtt``: the captions, timed on the speech;
- ``ba-dieu-can-nho.jpg``: the poster.

It prints the duration to put in pack.yaml. Run it again after changing ``SLIDES``: the output is
the same for the same text and tools.
"""

from __future__ import annotations

import subprocess
import tempfile
import wave
from pathlib import Path

MEDIA = Path(__file__).resolve().parent / "hop-tac-xa-co-ban" / "media"
NAME = "ba-dieu-can-nho"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # Debian's fonts-dejavu-core: has every Vietnamese letter
GAP = 0.4  # seconds of silence after each slide
# (what the slide shows and the voice says, in Vietnamese; the English caption)
SLIDES = [
    ("Hợp tác xã: ba điều cần nhớ", "Cooperatives: three things to remember"),
    ("Hợp tác xã do các thành viên tự nguyện lập ra.", "Members set up a cooperative of their own free will."),
    ("Mỗi thành viên có một phiếu bầu, dù góp vốn nhiều hay ít.",
     "Each member has one vote, however much capital they put in."),
    ("Đại hội thành viên quyết định những việc quan trọng nhất.",
     "The general meeting of members decides the most important matters."),
]


def stamp(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes):02d}:{rest:06.3f}"


def captions(times: list[tuple[float, float]], column: int) -> str:
    cues = [f"{stamp(start)} --> {stamp(end)}\n{slide[column]}"
            for (start, end), slide in zip(times, SLIDES, strict=True)]
    return "WEBVTT\n\n" + "\n\n".join(cues) + "\n"


def wrapped(text: str, width: int = 28) -> str:
    """The slide's text in lines of at most ``width`` characters (drawtext does not wrap)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def main() -> None:
    MEDIA.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        times, frames, params = [], [], None
        at = 0.0
        for n, (spoken, _english) in enumerate(SLIDES):
            said = work / f"{n}.wav"
            subprocess.run(["espeak-ng", "-v", "vi", "-s", "140", "-w", str(said), spoken], check=True)
            with wave.open(str(said)) as part:
                params = params or part.getparams()
                audio = part.readframes(part.getnframes())
                length = part.getnframes() / part.getframerate()
            silence = b"\0" * (int(GAP * params.framerate) * params.sampwidth * params.nchannels)
            frames.append(audio + silence)
            times.append((round(at, 3), round(at + length, 3)))
            at += length + GAP
            (work / f"{n}.txt").write_text(wrapped(spoken), encoding="utf-8")
        voice = work / "voice.wav"
        with wave.open(str(voice), "wb") as out:
            out.setparams(params)
            out.writeframes(b"".join(frames))
        total = round(at, 3)
        slides = ",".join(
            f"drawtext=fontfile={FONT}:textfile={work / f'{n}.txt'}:fontcolor=white:fontsize={22 if n else 26}"
            f":line_spacing=8:x=(w-text_w)/2:y=(h-text_h)/2:enable='between(t,{start if n else 0},"
            f"{times[n + 1][0] if n + 1 < len(times) else total})'"
            for n, (start, _end) in enumerate(times))
        video = MEDIA / f"{NAME}-240p.webm"
        background = f"color=c=0x1f5f4a:s=426x240:r=5:d={total}"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", background, "-i", str(voice),
                        "-vf", slides, "-c:v", "libvpx", "-b:v", "40k", "-c:a", "libopus",
                        "-b:a", "16k", "-ac", "1", "-shortest", "-fflags", "+bitexact", str(video)], check=True)
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(voice), "-c:a", "aac", "-b:a", "24k",
                        "-ac", "1", "-fflags", "+bitexact", str(MEDIA / f"{NAME}.m4a")], check=True)
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-ss", "1", "-i", str(video), "-frames:v", "1",
                        "-q:v", "6", str(MEDIA / f"{NAME}.jpg")], check=True)
    (MEDIA / f"{NAME}.vi.vtt").write_text(captions(times, 0), encoding="utf-8")
    (MEDIA / f"{NAME}.en.vtt").write_text(captions(times, 1), encoding="utf-8")
    sizes = sum((MEDIA / name).stat().st_size for name in
                (f"{NAME}-240p.webm", f"{NAME}.m4a", f"{NAME}.jpg", f"{NAME}.vi.vtt", f"{NAME}.en.vtt"))
    print(f"duration: {total} s; slides at {[start for start, _ in times]}; {sizes:,} bytes in all")


if __name__ == "__main__":
    main()
