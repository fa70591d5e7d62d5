"""A survey file read as YAML, remembering the line each value starts on, so that every problem
found later (an unknown question in a condition, a cycle) is reported as ``file:line``.

Safe like the pack's own reading: plain data only (the safe loader's types), no anchors or aliases (so no
alias-expansion bombs), no duplicate keys, a size and a depth limit.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_BYTES = 512 * 1024
MAX_DEPTH = 20
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlProblem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load(text: str) -> tuple[Any, dict[str, int]]:
    """The data, and ``{path: line}`` for every value (``pages[0].questions[2].show_if``: 14)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlProblem(1, f"larger than {MAX_BYTES // 1024} KB")
    loader = _Loader(text)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or (isinstance(event, yaml.NodeEvent) and event.anchor):
                raise YamlProblem(event.start_mark.line + 1, "anchors (&name) and aliases (*name) are not allowed")
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlProblem(mark.line + 1 if mark else 1, f"not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1, f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if node is None:
        return None, lines
    return _value(node, "", lines, 0), lines


def _value(node: yaml.Node, path: str, lines: dict[str, int], depth: int) -> Any:
    line = node.start_mark.line + 1
    if depth > MAX_DEPTH:
        raise YamlProblem(line, f"nested more than {MAX_DEPTH} levels deep")
    lines[path] = line
    if isinstance(node, yaml.MappingNode):
        found: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str | int | bool | float):
                raise YamlProblem(key_node.start_mark.line + 1, "keys must be plain words")
            if key in found:
                raise YamlProblem(key_node.start_mark.line + 1, f"the key {key!r} appears twice")
            inner = f"{path}.{key}" if path else str(key)
            found[key] = _value(value_node, inner, lines, depth + 1)
        return found
    if isinstance(node, yaml.SequenceNode):
        return [_value(item, f"{path}[{n}]", lines, depth + 1) for n, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.ScalarNode) -> Any:
    loader = _Loader("")
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise YamlProblem(node.start_mark.line + 1, f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()
