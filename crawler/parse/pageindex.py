"""Elements of a page by class, id and a few attributes, from one walk of the tree.

A news template names its parts by class ("single-article-header", "authname"). Looking
each field up with its own XPath walks the whole page a dozen times; one walk that files
every element under its classes makes each later look-up a dictionary read. Selectors are a
small subset of CSS, enough for such templates:

    ".cls", "#id", "tag", "[attr=value]"   first step: elements of the page
    ".cls h2", ".cls .other"                then descendants by tag or class
    ".cls > h2"                             or children by tag
    "a, b"                                  alternatives, results in document order
"""

from __future__ import annotations

from collections import defaultdict

from lxml import etree

INDEXED_ATTRIBUTES = ("itemprop", "rel", "property", "name")


class PageIndex:
    """One walk over a parsed page; `select` answers a selector from the index."""

    def __init__(self, tree: etree._Element):
        self.tree = tree
        self.by_class: dict[str, list] = defaultdict(list)
        self.by_id: dict[str, etree._Element] = {}
        self.by_attribute: dict[tuple[str, str], list] = defaultdict(list)
        self._order: dict[etree._Element, int] | None = None
        for element in tree.iter(etree.Element):
            attributes = element.attrib
            if not attributes:
                continue
            for name in attributes.get("class", "").split():
                self.by_class[name].append(element)
            if "id" in attributes:
                self.by_id.setdefault(attributes["id"], element)
            for name in INDEXED_ATTRIBUTES:
                if name in attributes:
                    self.by_attribute[(name, attributes[name].lower())].append(element)

    def select(self, selector: str) -> list:
        """Elements matching `selector` (see the module docstring), in document order."""
        results = [
            self._follow(self._start(steps[0]), steps[1:])
            for steps in (alternative.split() for alternative in selector.split(","))
            if steps
        ]
        found = [result for result in results if result]
        if len(found) <= 1:
            return found[0] if found else []
        unique = {id(e): e for result in found for e in result}.values()
        return sorted(unique, key=self._position)

    def _position(self, element: etree._Element) -> int:
        if self._order is None:
            self._order = {e: position for position, e in enumerate(self.tree.iter())}
        return self._order.get(element, 0)

    def first(self, selector: str) -> etree._Element | None:
        found = self.select(selector)
        return found[0] if found else None

    def _start(self, step: str) -> list:
        if step.startswith("."):
            return list(self.by_class.get(step[1:], ()))
        if step.startswith("#"):
            element = self.by_id.get(step[1:])
            return [element] if element is not None else []
        if step.startswith("["):
            name, _, value = step.strip("[]").partition("=")
            return list(self.by_attribute.get((name, value.strip("\"'").lower()), ()))
        return list(self.tree.iter(step))

    @staticmethod
    def _follow(elements: list, steps: list[str]) -> list:
        child_only = False
        for step in steps:
            if step == ">":
                child_only = True
                continue
            matched = []
            for element in elements:
                if child_only:
                    candidates = element.iterchildren(step)
                elif step.startswith("."):
                    wanted = step[1:]
                    candidates = (e for e in element.iterdescendants() if wanted in e.get("class", "").split())
                else:
                    candidates = element.iterdescendants(step)
                matched.extend(candidates)
            elements, child_only = matched, False
        return elements
