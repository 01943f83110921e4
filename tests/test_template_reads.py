"""The render memo logs the templates a page loads (its own, what it extends, includes or
imports, and names `select_template` tried but did not find), each by the source its name
resolves to: a template edit re-renders the pages that loaded it and no other."""

from __future__ import annotations

import jinja2

from congressgen.renderdeps import Digests, ReadLog, TrackingEnvironment


def logged(templates: dict, name: str) -> tuple[str, dict]:
    env = TrackingEnvironment(loader=jinja2.DictLoader(templates))
    digests = Digests(env, None, {})
    log = ReadLog(digests)
    env.read_log = log
    try:
        text = env.get_template(name).render()
    finally:
        env.read_log = None
    return text, {key[1]: digests.current[key] for key in log.keys if key[0] == "t"}


TEMPLATES = {
    "base.html": "<b>{% block main %}{% endblock %}</b>",
    "macros.html": "{% macro m() %}M{% endmacro %}",
    "page.html": '{% extends "base.html" %}{% import "macros.html" as x %}'
                 '{% block main %}{% include ["custom.html", "part.html"] %}{{ x.m() }}{% endblock %}',
    "part.html": "P",
    "other.html": "O",
}


def test_every_template_a_page_loads_is_logged_and_only_those():
    text, reads = logged(TEMPLATES, "page.html")
    assert text == "<b>PM</b>"
    assert set(reads) == {"page.html", "base.html", "macros.html", "custom.html", "part.html"}   # not other.html


def test_a_template_read_changes_with_the_source_its_name_resolves_to():
    _, before = logged(TEMPLATES, "page.html")
    _, edited = logged(dict(TEMPLATES, **{"part.html": "P2"}), "page.html")
    assert {n for n in before if before[n] != edited[n]} == {"part.html"}
    text, added = logged(dict(TEMPLATES, **{"custom.html": "C"}), "page.html")   # now found first
    assert text == "<b>CM</b>" and added["custom.html"] != before["custom.html"]
    assert set(added) == set(before) - {"part.html"}     # never loaded now
    _, unrelated = logged(dict(TEMPLATES, **{"other.html": "O2"}), "page.html")
    assert unrelated == before
