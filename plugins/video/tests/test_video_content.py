"""What a pack author writes for a video lesson: sources, captions (checked, with file:line), settings."""

from __future__ import annotations

import pytest
from elearn_video import vtt
from elearn_video.lesson import VideoLesson

from elearn.plugin_api import ContentInvalid
from elearn.testing import pack_files


def messages(raw, folder):
    with pytest.raises(ContentInvalid) as caught:
        VideoLesson().import_content(raw, pack_files(folder))
    return [str(error) for error in caught.value.errors]


def test_a_pack_video_keeps_its_renditions_and_turns_captions_into_a_transcript(tmp_path, pack):
    stored = VideoLesson().import_content(pack.CONTENT, pack_files(pack.write(tmp_path)))
    assert [(s["label"], s["path"], s["type"]) for s in stored["sources"]] == [
        ("720p", "media/htx-720p.webm", "video/webm"), ("240p", "media/htx-240p.webm", "video/webm")]
    vi = next(c for c in stored["captions"] if c["lang"] == "vi")
    assert vi["cues"][1] == [4.0, 9.5, "Mỗi thành viên có một phiếu bầu."]
    assert stored["completion_threshold"] == 0.9 and stored["allow_download"] is True


def test_defaults_threshold_ninety_percent_and_no_download(tmp_path, pack):
    raw = {"duration": 30, "sources": [{"file": "media/htx-240p.webm", "label": "240p"}]}
    stored = VideoLesson().import_content(raw, pack_files(pack.write(tmp_path)))
    assert stored["completion_threshold"] == 0.9 and stored["allow_download"] is False


def test_a_malformed_caption_file_is_reported_with_its_file_and_line(tmp_path, pack):
    folder = pack.write(tmp_path)
    (folder / "media" / "bad.vtt").write_text(
        "WEBVTT\n\n00:00.000 --> 00:02.000\nMột\n\n00:05,000 --> 00:07.000\nHai\n\n00:09.000 --> 00:08.000\nBa\n",
        encoding="utf-8")
    found = messages({**pack.CONTENT, "captions": [{"lang": "vi", "file": "media/bad.vtt"}]}, folder)
    assert found == [
        "captions[0].file: media/bad.vtt:6: bad timing '00:05,000 --> 00:07.000': use 'mm:ss.ttt --> mm:ss.ttt'",
        "captions[0].file: media/bad.vtt:9: the cue ends before it starts",
    ]


def test_a_caption_file_without_the_signature_is_refused_at_line_one():
    with pytest.raises(vtt.VttError) as caught:
        vtt.parse("00:00.000 --> 00:01.000\nXin chào\n")
    assert caught.value.problems[0][0] == 1


def test_every_problem_of_the_content_is_named(tmp_path, pack):
    found = messages({"duration": -1, "sources": [{"file": "media/htx.vi.vtt", "label": "a"},
                                                  {"file": "../x.webm", "label": "b"}],
                      "embed": "http://example.com/v", "completion_threshold": 1.5, "colour": "red"},
                     pack.write(tmp_path))
    assert any(m.startswith("colour") for m in found)
    assert any(m.startswith("duration") for m in found)
    assert any(m.startswith("sources[0].file") and ".mp4 or .webm" in m for m in found)
    assert any(m.startswith("sources[1].file") for m in found)
    assert any(m.startswith("embed") for m in found)
    assert any(m.startswith("completion_threshold") for m in found)


def test_an_external_video_only_is_allowed_and_marked_as_needing_a_good_connection(
        make_lesson, make_user, enrol, signed_in):
    lesson = make_lesson("video", {"duration": 60, "embed": "https://www.youtube-nocookie.com/embed/abc"})
    learner = make_user("learner")
    enrol(learner, lesson.course)
    page = signed_in(learner).get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "cần kết nối mạng tốt" in page and "https://www.youtube-nocookie.com/embed/abc" in page
    assert "<video" not in page
