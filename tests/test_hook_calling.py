"""Hooks are called as pluggy documents (order, tryfirst/trylast, wrappers, firstresult), with
each implementation's failure kept to itself, and can be traced.

Each test calls the same plugins through elearn's registry and through a bare
``pluggy.PluginManager`` with the same specs, and expects the same answers: the plugin guide
promises pluggy's semantics, so pluggy itself is the reference.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pluggy
import pytest

from elearn.plugins import hookspecs
from elearn.plugins.api_version import API_VERSION
from elearn.plugins.lesson_type import NavItem
from elearn.plugins.manager import PluginRegistry

hookimpl, hookspec = hookspecs.hookimpl, pluggy.HookspecMarker("elearn")
USER = SimpleNamespace(is_authenticated=True, role="learner")


class ExtraSpecs:
    @hookspec(firstresult=True)
    def elearn_test_pick(self, number):
        """The first plugin's answer that is not None."""


def link(label: str) -> list[NavItem]:
    return [NavItem(label, f"/{label}")]


def plugin(**hooks) -> SimpleNamespace:
    return SimpleNamespace(**hooks)


def menu(label: str, **options):
    @hookimpl(**options)
    def elearn_user_menu(user):
        return link(label)

    return plugin(elearn_user_menu=elearn_user_menu)


def broken_menu():
    @hookimpl
    def elearn_user_menu(user):
        raise RuntimeError("menu exploded")

    return plugin(elearn_user_menu=elearn_user_menu)


def both(*plugins):
    """An elearn registry and a bare pluggy manager, the same plugins registered in the same order."""
    registry = PluginRegistry()
    registry.pm.add_hookspecs(ExtraSpecs)
    bare = pluggy.PluginManager("elearn")
    bare.add_hookspecs(hookspecs)
    bare.add_hookspecs(ExtraSpecs)
    for number, (name, module) in enumerate(plugins):
        registry.register(name, module)
        if name != "broken":
            bare.register(module, name=f"{name}-{number}")
    return registry, bare


def labels(results) -> list[str]:
    return [item.label for items in results for item in items]


def test_implementations_run_in_pluggys_order_with_tryfirst_and_trylast():
    registry, bare = both(
        ("a", menu("a")), ("early", menu("early", tryfirst=True)), ("b", menu("b")),
        ("late", menu("late", trylast=True)), ("c", menu("c")),
    )
    expected = labels(bare.hook.elearn_user_menu(user=USER))
    assert expected == ["early", "c", "b", "a", "late"]  # last registered first, as pluggy documents
    assert labels(result for _plugin, result in registry.call_each("elearn_user_menu", user=USER)) == expected
    assert [plugin for plugin, _result in registry.call_each("elearn_user_menu", user=USER)] == [
        "early", "c", "b", "a", "late"
    ]


def test_one_failing_implementation_is_skipped_where_pluggy_would_stop(caplog):
    registry, bare = both(("a", menu("a")), ("broken", broken_menu()), ("b", menu("b")))
    assert labels(result for _p, result in registry.call_each("elearn_user_menu", user=USER)) == labels(
        bare.hook.elearn_user_menu(user=USER)
    ) == ["b", "a"]
    assert "plugin broken failed in elearn_user_menu" in caplog.text


def wrapping(label: str, fail_before: bool = False, fail_after: bool = False):
    @hookimpl(wrapper=True)
    def elearn_user_menu(user):
        if fail_before:
            raise RuntimeError("before")
        results = yield
        if fail_after:
            raise RuntimeError("after")
        return [*results, link(label)]

    return plugin(elearn_user_menu=elearn_user_menu)


def test_a_wrapper_sees_and_changes_the_results_as_in_pluggy():
    registry, bare = both(("a", menu("a")), ("wrap", wrapping("wrapped")), ("b", menu("b")))
    expected = labels(bare.hook.elearn_user_menu(user=USER))
    assert expected == ["b", "a", "wrapped"]
    assert labels(result for _p, result in registry.call_each("elearn_user_menu", user=USER)) == expected


@pytest.mark.parametrize("where", ["fail_before", "fail_after"])
def test_a_wrapper_that_fails_is_stepped_over(caplog, where):
    registry, _bare = both(("a", menu("a")), ("wrap", wrapping("wrapped", **{where: True})), ("b", menu("b")))
    assert labels(result for _p, result in registry.call_each("elearn_user_menu", user=USER)) == ["b", "a"]
    assert "plugin wrap failed in elearn_user_menu (wrapper" in caplog.text


def picker(answer):
    @hookimpl
    def elearn_test_pick(number):
        return None if answer is None else answer * number

    return plugin(elearn_test_pick=elearn_test_pick)


def test_a_firstresult_hook_stops_at_the_first_answer():
    registry, bare = both(("ten", picker(10)), ("two", picker(2)), ("none", picker(None)))
    assert bare.hook.elearn_test_pick(number=3) == 6
    assert registry.call_first("elearn_test_pick", number=3) == 6


def test_a_misspelt_hook_is_refused():
    registry = PluginRegistry()

    @hookimpl
    def elearn_user_menus(user):
        return []

    registry.register("typo", plugin(elearn_user_menus=elearn_user_menus))
    assert registry.failed["typo"] == "implements unknown hooks: elearn_user_menus"


def test_tracing_logs_each_call_with_the_plugins_it_reaches_and_its_duration(caplog):
    registry = PluginRegistry(trace=True)
    registry.register("a", menu("a"))
    registry.register("b", menu("b"))
    with caplog.at_level(logging.INFO, logger="elearn.plugins.trace"):
        registry.call_each("elearn_user_menu", user=USER)
    lines = [r.getMessage() for r in caplog.records if r.name == "elearn.plugins.trace"]
    assert lines[0] == "hook elearn_user_menu(user) -> b, a"
    assert lines[1].startswith("hook elearn_user_menu took ") and lines[1].endswith(" ms")


def test_the_command_line_lists_plugins_versions_hooks_and_failures(app):
    import json

    from click.testing import CliRunner

    from elearn.cli import AppContext, main

    context = AppContext()
    context._app = app
    app.extensions["elearn_plugins"].failed["ghost"] = "could not be imported: ImportError('gone')"
    listed = CliRunner().invoke(main, ["plugins", "list", "--json"], obj=context)
    assert listed.exit_code == 0, listed.output
    found = json.loads(listed.output)
    quiz = next(p for p in found["plugins"] if p["name"] == "quiz")
    assert quiz["lesson_types"] == ["quiz"] and "elearn_lesson_types" in quiz["hooks"] and quiz["version"]
    assert found["failed"] == {"ghost": "could not be imported: ImportError('gone')"}
    text = CliRunner().invoke(main, ["plugins", "list"], obj=context).output
    assert "FAILED ghost: could not be imported" in text and "\ttypes: quiz\t" in text


@pytest.mark.parametrize(
    ("wanted", "refusal"),
    [
        (">=2,<3", f"needs plugin API >=2,<3; this elearn offers {API_VERSION}"),
        ("one point oh", "declares ELEARN_PLUGIN_API = 'one point oh', which is not a version specifier"),
    ],
)
def test_a_plugin_written_for_another_plugin_api_is_refused_with_the_reason(wanted, refusal):
    registry = PluginRegistry()
    future, current = menu("future"), menu("current")
    future.ELEARN_PLUGIN_API, current.ELEARN_PLUGIN_API = wanted, ">=1,<2"
    registry.register("future", future)
    registry.register("current", current)
    assert registry.failed["future"].startswith(refusal)
    assert "future" not in registry.plugins
    assert [item.label for item in registry.user_menu(USER)] == ["current"]
