"""Active content in a report body: what would run code in a reader's browser.

A report body is Markdown with raw HTML allowed (tables, `<sup>`), so a pasted or imported body
can carry `<script>`, `<iframe>`, `<object>`, `<embed>`, an `onclick=` attribute (in a tag or a
`{: …}` attribute list) or a `javascript:` / `vbscript:` / `data:` URL (a link, an image, a
reference definition or an HTML attribute). On a government site that is a defacement waiting to
happen. Two users, one scanner:

- `check` reports every span as `body-active-content` (error by default);
- `import` of a `.md` file removes them (`strip_active`) and says what it removed.

`find_active` works on the Markdown source with offsets kept, so a finding points at the place
in the file; code (fenced, indented, inline) and HTML comments are not looked at: they are shown
as text, never run. `html_active` reads rendered HTML, as a backstop for what the source scan
cannot see.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from congressgen.mdmask import mask_code

ACTIVE_ELEMENTS = ("script", "iframe", "object", "embed", "applet", "frame", "frameset")
ACTIVE_SCHEMES = ("javascript:", "vbscript:", "data:")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "poster", "background", "xlink:href",
                  "srcset", "lowsrc", "dynsrc", "codebase", "cite", "longdesc", "ping")

_ELEMENT = re.compile(r"<(%s)\b[^>]*>(?:.*?</\1\s*>)?" % "|".join(ACTIVE_ELEMENTS), re.I | re.S)
_CLOSING = re.compile(r"</(%s)\s*>" % "|".join(ACTIVE_ELEMENTS), re.I)
_TAG = re.compile(r"<[A-Za-z][^<>]*>")
_ATTR = re.compile(r"""(\s+)([^\s"'<>/=]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"'<>`]+)""")
_ATTR_LIST = re.compile(r"\{:?[ ]*[^}\n ][^}\n]*\}")
_LINK_OPEN = re.compile(r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\(")
_DEFINITION = re.compile(r"^( {0,3}\[(?!\^)[^\]\n]+\]:[ \t]*)(<[^>\n]*>|\S+)(.*)$", re.M)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


@dataclass(frozen=True)
class ActiveContent:
    start: int           # span in the body text
    end: int
    what: str            # for messages: "<script> 元素", "onclick 属性", "javascript: 链接"
    replacement: str     # what `strip_active` leaves in its place


def active_scheme(url: str) -> str | None:
    """The active scheme a URL starts with as a browser reads it (entities decoded, tabs,
    newlines and control characters inside the scheme ignored, any case); None when safe."""
    value = _INVISIBLE.sub("", html.unescape(url)).lower()
    return next((scheme for scheme in ACTIVE_SCHEMES if value.startswith(scheme)), None)


def _attribute_problem(name: str, value: str) -> str | None:
    name = name.lower()
    if name.startswith("on"):
        return f"{name} 事件属性"
    if name in URL_ATTRIBUTES:
        value = value[1:-1] if value[:1] in "\"'" else value
        candidates = [part.strip().split(" ")[0] for part in value.split(",")] if name == "srcset" else [value]
        scheme = next(filter(None, map(active_scheme, candidates)), None)
        if scheme:
            return f"{name}=\"{scheme}…\" 属性"
    if name == "srcdoc":
        return "srcdoc 属性"
    return None


def _attributes(text: str, start: int, end: int, first: int) -> list[ActiveContent]:
    """Active attributes in text[start:end] (a tag or an attribute list), from `first` on."""
    found = []
    for m in _ATTR.finditer(text, first, end):
        problem = _attribute_problem(m.group(2), m.group(3))
        if problem:
            found.append(ActiveContent(m.start(), m.end(), problem, ""))
    return found


def _link_target(text: str, open_end: int) -> tuple[int, int, int] | None:
    """(url start, url end, construct end) of an inline link whose `](` ends at open_end."""
    index, length = open_end, len(text)
    while index < length and text[index] in " \t":
        index += 1
    if index < length and text[index] == "<":
        close = text.find(">", index)
        if close < 0 or "\n" in text[index:close]:
            return None
        url = (index + 1, close)
        index = close + 1
    else:
        depth, begin = 0, index
        while index < length and text[index] not in " \t\n":
            char = text[index]
            if char == "\\":
                index += 2
                continue
            if char == "(":
                depth += 1
            elif char == ")":
                if depth == 0:
                    break
                depth -= 1
            index += 1
        url = (begin, index)
    close = text.find(")", index)
    if close < 0 or "\n\n" in text[index:close]:
        return None
    return url[0], url[1], close + 1


def find_active(body: str, masked: str | None = None) -> list[ActiveContent]:
    """Every active-content span of a Markdown body, in source order, not overlapping.
    `masked`: `mdmask.mask_code(body)` when the caller has it already."""
    text = mask_code(body) if masked is None else masked
    found: list[ActiveContent] = []
    for m in _ELEMENT.finditer(text):
        found.append(ActiveContent(m.start(), m.end(), f"<{m.group(1).lower()}> 元素", ""))
    for m in _CLOSING.finditer(text):
        found.append(ActiveContent(m.start(), m.end(), f"</{m.group(1).lower()}> 标签", ""))
    for m in _TAG.finditer(text):
        found += _attributes(text, m.start(), m.end(), m.start() + 1)
    for m in _ATTR_LIST.finditer(text):
        # `{: onclick=…}`: Python-Markdown's attr_list sets any attribute; a key may follow `{:`.
        inner = " " + text[m.start() + 1:m.end() - 1].lstrip(":")
        shift = m.end() - 1 - len(inner)
        bad = _attributes(inner, 0, len(inner), 0)
        rest = "".join(inner[a.end:b.start] for a, b in zip([ActiveContent(0, 0, "", "")] + bad,
                                                              bad + [ActiveContent(len(inner), 0, "", "")]))
        if bad and not rest.strip():     # nothing else in the list: remove it whole
            found.append(ActiveContent(m.start(), m.end(), "、".join(a.what for a in bad), ""))
        else:
            found += [ActiveContent(max(shift + a.start, m.start() + 1), shift + a.end, a.what, "") for a in bad]
    for m in _LINK_OPEN.finditer(text):
        target = _link_target(text, m.end())
        if target is None:
            continue
        scheme = active_scheme(text[target[0]:target[1]])
        if scheme:
            image = m.group(1) == "!"
            found.append(ActiveContent(m.start(), target[2], f"{scheme} {'图片' if image else '链接'}",
                                       "" if image else m.group(2)))
    for m in _DEFINITION.finditer(text):
        scheme = active_scheme(m.group(2).strip("<>"))
        if scheme:
            found.append(ActiveContent(m.start(), m.end(), f"{scheme} 链接定义", ""))
    found.sort(key=lambda a: (a.start, -a.end))
    merged: list[ActiveContent] = []
    for item in found:
        if merged and item.start < merged[-1].end:
            continue     # inside an element already removed whole
        merged.append(item)
    return merged


def strip_active(body: str) -> tuple[str, list[ActiveContent]]:
    """The body without its active content (link text kept), and what was removed."""
    found = find_active(body)
    out, last = [], 0
    for item in found:
        out.append(body[last:item.start])
        out.append(item.replacement)
        last = item.end
    out.append(body[last:])
    return "".join(out), found


class _HtmlScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ACTIVE_ELEMENTS:
            self.found.append(f"<{tag}> 元素")
        for name, value in attrs:
            problem = _attribute_problem(name, value or "")
            if problem:
                self.found.append(problem)

    handle_startendtag = handle_starttag


_SPACED_SCHEME = re.compile("|".join("[\\x00-\\x20\\x7f]*".join(map(re.escape, scheme)) for scheme in ACTIVE_SCHEMES))
_NAME_ON = re.compile(r"""['"\s/]on""")    # where the parser starts an attribute name: after ' " / or a space
_ELEMENT_OPENINGS = tuple(f"<{name}" for name in ACTIVE_ELEMENTS)


def _maybe_active(fragment: str) -> bool:
    """False only when `_HtmlScan` cannot find anything in `fragment`: it reports an active
    element's start tag (its lower-cased name after `<`), an attribute whose lower-cased name
    starts with "on" or is srcdoc, or an attribute value that, entities decoded (by the
    parser, then by `active_scheme`), starts with an active scheme. Without a `&` nothing is
    decoded, so each of these is a plain substring of the lower-cased fragment (an active
    scheme with only invisible characters between its letters). str.lower() maps no other
    character onto an ASCII letter but U+212A KELVIN SIGN onto "k" (in none of the words) and
    U+0130 onto "i" plus a combining dot (which only adds text), and it leaves ' " / and every
    space as they are."""
    if "&" in fragment:
        return True
    low = fragment.lower()
    if "srcdoc" in low or any(opening in low for opening in _ELEMENT_OPENINGS):
        return True
    if ":" in low and _SPACED_SCHEME.search(low):
        return True
    # Every "on" inside a "strong" (<strong>, one "on" each) follows an "r": only others can start a name.
    return low.count("on") != low.count("strong") and _NAME_ON.search(low) is not None


def html_active(fragment: str) -> list[str]:
    """What is active in rendered HTML (descriptions only: HTML has no source positions).
    Most bodies hold nothing that could be active: `_maybe_active` proves that with a few
    substring searches, and only a body where it cannot is read by the HTML parser."""
    if not _maybe_active(fragment):
        return []
    scan = _HtmlScan()
    scan.feed(fragment)
    scan.close()
    return scan.found
