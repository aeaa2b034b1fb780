"""Templates are read as JSON, or as YAML whose short-form intrinsics become the long forms,
within the template limits and the strict loader's rules, with the lines of their first paths."""

from __future__ import annotations

import json
import textwrap
from dataclasses import replace

import pytest

from sgcompliance.errors import DocumentLimitError, InputError
from sgcompliance.sources import cfn_yaml
from sgcompliance.sources.cfn_yaml import SHORT_FORMS, TEMPLATE_LIMITS, parse_template

CONDITION_B = {"Condition": "B"}


def body(text: str) -> object:
    return parse_template(textwrap.dedent(text), "t.yaml").body


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("!Ref Env", {"Ref": "Env"}),
        ("!Condition IsProd", {"Condition": "IsProd"}),
        ("!GetAtt App.GroupId", {"Fn::GetAtt": ["App", "GroupId"]}),
        ("!GetAtt Db.Endpoint.Address", {"Fn::GetAtt": ["Db", "Endpoint.Address"]}),
        ("!GetAtt [App, GroupId]", {"Fn::GetAtt": ["App", "GroupId"]}),
        ("!Sub ${Env}-app", {"Fn::Sub": "${Env}-app"}),
        ("!Sub [\"${A}\", {A: !Ref Env}]", {"Fn::Sub": ["${A}", {"A": {"Ref": "Env"}}]}),
        ("!If [C, 1, 2]", {"Fn::If": ["C", 1, 2]}),
        ("!Equals [!Ref Env, prod]", {"Fn::Equals": [{"Ref": "Env"}, "prod"]}),
        ("!Not [!Condition C]", {"Fn::Not": [{"Condition": "C"}]}),
        ("!And [!Condition A, !Condition B]", {"Fn::And": [{"Condition": "A"}, CONDITION_B]}),
        ("!Or [!Condition A, !Condition B]", {"Fn::Or": [{"Condition": "A"}, CONDITION_B]}),
        ("!Select [0, !GetAZs '']", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
        ("!Join [',', [a, b]]", {"Fn::Join": [",", ["a", "b"]]}),
        ("!Split [',', 'a,b']", {"Fn::Split": [",", "a,b"]}),
        ("!FindInMap [M, a, b]", {"Fn::FindInMap": ["M", "a", "b"]}),
        ("!ImportValue shared", {"Fn::ImportValue": "shared"}),
        ("!Base64 text", {"Fn::Base64": "text"}),
        ("!Cidr [10.0.0.0/16, 2, 8]", {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}),
        ("!Transform {Name: M}", {"Fn::Transform": {"Name": "M"}}),
    ],
)  # fmt: skip
def test_short_forms_become_long_forms(short: str, long: object) -> None:
    assert body(f"v: {short}\n") == {"v": long}


def test_every_short_form_is_read() -> None:
    for tag in SHORT_FORMS:
        assert isinstance(body(f"v: {tag} x\n"), dict)


def test_json_is_read_as_json() -> None:
    text = '{"Resources": {"A": {"Type": "T", "N": 1e2}}}'
    assert parse_template(text, "t.json").body == json.loads(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("v: !Foo x\n", r"the YAML tag !Foo at line 1, column 4 is not a CloudFormation intrinsic"),
        ("v: !!python/object:os.system x\n", "is not read"),
        ("a: &x 1\nb: *x\n", "YAML anchors and aliases are not read"),
        ("a: 1\na: 2\n", "duplicate key 'a'"),
        ("v: !Sub [x, {A: 1, A: 2}]\n", "duplicate key 'A'"),
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
        ("v: [\n", "invalid YAML"),
        ("{", "invalid JSON"),
    ],
)
def test_what_the_loader_refuses(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_template(text, "template")


def test_a_nested_template_is_refused_at_the_depth_limit() -> None:
    deep = "v: " + "[" * (TEMPLATE_LIMITS.max_depth + 1) + "]" * (TEMPLATE_LIMITS.max_depth + 1)
    with pytest.raises(DocumentLimitError, match="nested too deeply"):
        parse_template(deep, "t.yaml")
    with pytest.raises(DocumentLimitError, match="nested too deeply"):
        parse_template('{"v": ' + deep[3:] + "}", "t.json")


def test_anchors_are_refused_with_a_hint_for_templates() -> None:
    with pytest.raises(InputError) as refused:
        parse_template("a: &x 1\nb: *x\n", "t.yaml")
    assert refused.value.hint is not None
    assert "templates are read without YAML anchors" in refused.value.hint


def test_a_yaml_template_with_too_many_values_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN template limits of 1,000 values in YAML (the real ones take seconds to reach)
    small = replace(TEMPLATE_LIMITS, max_yaml_items=1_000)
    monkeypatch.setattr(cfn_yaml, "TEMPLATE_LIMITS", small)
    text = "v: [" + "1," * small.yaml_items + "1]"
    with pytest.raises(DocumentLimitError, match="keys and values"):
        parse_template(text, "t.yaml")


def test_lines_of_yaml_and_json_paths() -> None:
    yaml_text = textwrap.dedent(
        """\
        # a comment
        Resources:
          App:
            Type: AWS::EC2::SecurityGroup
            Properties:
              SecurityGroupIngress:
                - IpProtocol: tcp
                - !If [C, {IpProtocol: udp}, !Ref AWS::NoValue]
        """
    )
    lines = parse_template(yaml_text, "t.yaml").lines
    assert lines[("Resources", "App")] == 3
    assert lines[("Resources", "App", "Properties", "SecurityGroupIngress", 0)] == 7
    assert lines[("Resources", "App", "Properties", "SecurityGroupIngress", 1)] == 8
    json_text = json.dumps(parse_template(yaml_text, "t.yaml").body, indent=1)
    json_lines = parse_template(json_text, "t.json").lines
    text_lines = json_text.splitlines()
    assert text_lines[json_lines[("Resources", "App")] - 1].strip() == '"App": {'
    second = json_lines[("Resources", "App", "Properties", "SecurityGroupIngress", 1)]
    assert text_lines[second].strip() == '"Fn::If": ['


def test_json_lines_skip_strings_that_look_like_structure() -> None:
    text = '{"Resources":\n {"A\\"{[,": {"X": "}],{"},\n  "B": {}}}'
    lines = parse_template(text, "t.json").lines
    assert lines[("Resources", 'A"{[,')] == 2
    assert lines[("Resources", "B")] == 3


def test_a_byte_order_mark_and_an_empty_document() -> None:
    assert parse_template('\ufeff{"a": 1}', "t.json").body == {"a": 1}
    assert parse_template("", "t.yaml").body is None


def test_a_yaml_file_in_flow_style_is_read_as_yaml() -> None:
    text = "{Resources: {App: {Type: AWS::EC2::SecurityGroup, Condition: !Ref X}}}"
    expected = {
        "Resources": {"App": {"Type": "AWS::EC2::SecurityGroup", "Condition": {"Ref": "X"}}}
    }
    assert parse_template(text, "infra/app.YML").body == expected
    with pytest.raises(InputError, match="invalid JSON"):
        parse_template(text, "infra/app.template")
