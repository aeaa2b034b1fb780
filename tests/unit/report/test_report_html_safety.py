"""The HTML report is safe to open: user-supplied text stays text, the page loads nothing, and
its Content-Security-Policy admits exactly its own inline style and script."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import date
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.model import Direction, Peer, PeerKind, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.engine.policy import (
    Check,
    CheckType,
    DescriptionRequired,
    Exemption,
    Policy,
    PortSpec,
    Remediation,
    RestrictedPorts,
    Severity,
    Sources,
)
from sgcompliance.remediation.plan import Mode, plan_group
from sgcompliance.report.formats import Presentation
from sgcompliance.report.html.page import HtmlWriter
from sgcompliance.report.html.text import text as html_text
from sgcompliance.report.remediation_view import RemediationEntry, RemediationReport
from support.hypothesis_budget import examples

HOSTILE = (
    "a \"quoted\" 'single' & amp\n<script>alert(1)</script></style></title>"
    '<img src=x onerror=alert(2) id="injected"> ünïcödé 日本 \x1b[31m \u202eevil'
)
GROUP = "sg-00000000000000001"


class Structure(HTMLParser):
    """Start tags with their attributes, and the raw text of <style> and <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"style": [], "script": []}
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open = tag if tag in self.raw else None

    def handle_endtag(self, tag: str) -> None:
        if tag == self._open:
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.raw[self._open].append(data)


def parse(page: str) -> Structure:
    parser = Structure()
    parser.feed(page)
    parser.close()
    return parser


def estate_result(text: str) -> ScanResult:
    """`text` in every field an estate or a policy supplies and the report shows."""
    open_to = (Peer(PeerKind.IPV4, "0.0.0.0/0"), Peer(PeerKind.IPV6, "::/0"))
    rules = tuple(
        Rule(f"sgr-0000000000000000{n}", GROUP, Direction.INGRESS, "tcp", 22, 22, peer, text)
        for n, peer in enumerate(open_to, start=1)
    )
    group = SecurityGroup(GROUP, text, "111111111111", "eu-west-1", rules, vpc_id="vpc-1",
                          description=text, tags={text: text})  # fmt: skip
    ssh = RestrictedPorts((PortSpec(frozenset({"tcp"}), (22, 22)),), Sources())
    checks = (
        Check("SSH", text, CheckType.RESTRICTED_PORTS, Severity.CRITICAL, Remediation.REMOVE, ssh),
        Check("DESC", text, CheckType.DESCRIPTION_REQUIRED, Severity.LOW, Remediation.FLAG,
              DescriptionRequired()),
    )  # fmt: skip
    # The second rule's finding is exempted, so the exemption's id is shown too.
    exemption = Exemption(text, text, text, text, None, rule_ids=frozenset({rules[1].rule_id}))
    policy = Policy(text, text, checks, (exemption,), digest=text)
    snapshot = RegionSnapshot("111111111111", "eu-west-1", (group,))
    result = evaluate(policy, [snapshot], today=date(2026, 11, 27))
    assert [f.is_violation for f in result.findings] == [True, False]
    return result


def report_of(result: ScanResult, text: str) -> RemediationReport:
    plan = plan_group(result.findings[0].group, result.findings, Mode.REMOVE)
    assert plan is not None
    entry = RemediationEntry(plan, "failed", text, plan.revoke_ingress, error=text)
    return RemediationReport(Mode.REMOVE, dry_run=False, entries=(entry,), blast_radius_note=text)


def render(text: str) -> str:
    result = estate_result(text)
    return HtmlWriter().render(result, Presentation(), report_of(result, text))


def csp_of(structure: Structure) -> str:
    for tag, attrs in structure.tags:
        if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy":
            return attrs["content"] or ""
    raise AssertionError("no Content-Security-Policy meta tag")


def sha256_source(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def test_hostile_text_in_every_field_adds_no_element_or_attribute() -> None:
    # GIVEN the same estate with plain and with hostile text WHEN both render
    # THEN the pages have exactly the same elements with the same attribute names
    def shape(page: str) -> list[tuple[str, list[str]]]:
        return [(tag, sorted(attrs)) for tag, attrs in parse(page).tags]

    assert shape(render(HOSTILE)) == shape(render("plain text"))


def test_hostile_text_is_escaped_where_it_appears() -> None:
    page = render(HOSTILE)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/style&gt;&lt;/title&gt;" in page
    assert "&quot;quoted&quot; &#x27;single&#x27; &amp; amp" in page
    assert "<script>alert" not in page
    assert 'id="injected"' not in page


def test_non_ascii_text_is_kept_as_written() -> None:
    assert "ünïcödé 日本" in render(HOSTILE)


def test_control_and_bidi_characters_are_shown_as_escapes() -> None:
    page = render(HOSTILE)
    assert "amp\\n&lt;script" in page
    assert "\\x1b[31m \\u202eevil" in page
    assert "\x1b" not in page
    assert "\u202e" not in page


def test_a_lone_surrogate_is_shown_as_an_escape_so_the_page_can_be_saved() -> None:
    shown = html_text("a\ud800b")
    assert shown == "a\\ud800b"
    assert shown.encode("utf-8")


def test_the_page_has_exactly_one_style_and_one_script() -> None:
    tags = [tag for tag, _ in parse(render(HOSTILE)).tags]
    assert tags.count("style") == 1
    assert tags.count("script") == 1


def test_the_policy_admits_exactly_the_inline_style_and_script_by_hash() -> None:
    structure = parse(render(HOSTILE))
    csp = csp_of(structure)
    (style,), (script,) = structure.raw["style"], structure.raw["script"]
    assert f"style-src {sha256_source(style)};" in csp
    assert f"script-src {sha256_source(script)};" in csp


def test_the_policy_forbids_everything_else() -> None:
    csp = csp_of(parse(render("plain")))
    assert csp.startswith("default-src 'none';")
    assert "unsafe" not in csp
    assert "http" not in csp
    assert "base-uri 'none'" in csp
    assert "form-action 'none'" in csp


def test_the_policy_comes_before_anything_it_governs() -> None:
    tags = [tag for tag, _ in parse(render("plain")).tags]
    assert tags.index("meta", 1) < tags.index("style") < tags.index("script")
    assert csp_of(parse(render("plain")))


def test_no_reference_leaves_the_page() -> None:
    # Links are in-page anchors; the only URL is the empty data: icon; SVG keeps its namespace.
    for tag, attrs in parse(render(HOSTILE)).tags:
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            value = attrs.get(name)
            assert value is None or value.startswith("#") or value == "data:,", (tag, name, value)
    page = render(HOSTILE)
    assert re.findall(r"https?://[^\s\"'<]+", page) == ["http://www.w3.org/2000/svg"] * len(
        re.findall(r"<svg ", page)
    )


@settings(max_examples=examples(60), deadline=None)
# Blank text would add description findings and so change the page for a reason of its own.
@given(st.text(min_size=1, max_size=40).filter(str.strip))
def test_any_text_leaves_the_page_structure_unchanged(text: str) -> None:
    # GIVEN any text at all in every user-supplied field
    # THEN the elements and their attribute names are those of a plain estate
    def shape(page: str) -> list[tuple[str, list[str]]]:
        return [(tag, sorted(attrs)) for tag, attrs in parse(page).tags]

    assert shape(render(text)) == shape(render("plain text"))
