"""Where a value sits in a rule-pack YAML file (line and column), so every problem points at
it, and the duplicate keys YAML itself would silently accept."""

from __future__ import annotations

import yaml


class Positions:
    """Line/column of values in a YAML file, from its composed node tree."""

    def __init__(self, text: str, root: yaml.Node | None):
        self.text = text
        self.root = root

    def node(self, *path: str | int) -> yaml.Node | None:
        node = self.root
        for step in path:
            if isinstance(node, yaml.MappingNode) and isinstance(step, str):
                node = next((v for k, v in node.value if getattr(k, "value", None) == step), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
            else:
                return None
            if node is None:
                return None
        return node

    def at(self, *path: str | int) -> tuple[int | None, int | None]:
        """1-based position of the value at ``path``, or of its nearest existing parent."""
        for depth in range(len(path), -1, -1):
            node = self.node(*path[:depth])
            if node is not None:
                return node.start_mark.line + 1, node.start_mark.column + 1
        return None, None

    def in_expression(self, path: tuple[str | int, ...], offset: int | None) -> tuple[int | None, int | None, bool]:
        """File position of character ``offset`` of the scalar at ``path``.

        Returns (line, column, exact). Exact when the scalar maps one to one onto the
        file (plain or quoted on one line, or a literal ``|`` block); otherwise the
        position of the value with exact=False.
        """
        node = self.node(*path)
        if node is None or not isinstance(node, yaml.ScalarNode):
            line, col = self.at(*path)
            return line, col, offset is None
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        if offset is None:
            return line, col, True
        raw = self.text[node.start_mark.index : node.end_mark.index]
        one_line = node.start_mark.line == node.end_mark.line
        if node.style is None and one_line:
            return line, col + offset, True
        if node.style in ("'", '"') and one_line and "\\" not in raw and "''" not in raw:
            return line, col + 1 + offset, True
        if node.style == "|":
            before = node.value[:offset]
            value_line = before.count("\n")
            body = self.text.split("\n")[node.start_mark.line + 1 :]
            content = next((entry for entry in body if entry.strip()), "")
            indent = len(content) - len(content.lstrip(" "))
            return node.start_mark.line + 2 + value_line, indent + 1 + len(before.rsplit("\n", 1)[-1]), True
        return line, col, False


def duplicate_keys(node: yaml.Node | None) -> list[tuple[str, yaml.Node]]:
    """YAML silently keeps the last of two equal keys; an analyst never means that."""
    found: list[tuple[str, yaml.Node]] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = getattr(key, "value", None)
            if isinstance(name, str):
                if name in seen:
                    found.append((name, key))
                seen.add(name)
            found.extend(duplicate_keys(value))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found.extend(duplicate_keys(item))
    return found
