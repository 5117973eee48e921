"""Validate sample manifests with Python jsonschema against
docs/kolm-manifest.schema.json (tests/cli/manifest_schema.sh runs it).

usage: .venv/bin/python check.py SCHEMA ORIGINAL_KOLM_JSON OUTDIR
Writes OUTDIR/<n>.json (one variant each) and prints "<n> <expected> <got>
<label>" lines, where expected/got are "valid" or "invalid".  Exits 1 if the
validator disagrees with the expected verdict, 2 if the schema itself is
refused.

The schema is checked first, as ajv's strict mode did before: it must be a
valid Draft 2020-12 schema (check_schema against the metaschema), use only
keywords Draft 2020-12 defines (the metaschema allows unknown ones; strict
mode refused them, so a misspelt "additionalProperty" cannot silently check
nothing), and name only formats this validator can check.
"""
import copy
import json
import os
import sys

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

# Draft 2020-12's keywords (core, applicator, unevaluated, validation,
# format-annotation, content, meta-data vocabularies)
KEYWORDS = {
    '$schema', '$id', '$ref', '$anchor', '$dynamicRef', '$dynamicAnchor', '$vocabulary', '$comment', '$defs',
    'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else', 'dependentSchemas', 'prefixItems', 'items',
    'contains', 'properties', 'patternProperties', 'additionalProperties', 'propertyNames',
    'unevaluatedItems', 'unevaluatedProperties',
    'type', 'enum', 'const', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
    'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxContains', 'minContains',
    'maxProperties', 'minProperties', 'required', 'dependentRequired',
    'format', 'contentEncoding', 'contentMediaType', 'contentSchema',
    'title', 'description', 'default', 'deprecated', 'readOnly', 'writeOnly', 'examples',
}
ONE = ('not', 'if', 'then', 'else', 'items', 'contains', 'additionalProperties', 'propertyNames',
       'unevaluatedItems', 'unevaluatedProperties', 'contentSchema')
LIST = ('allOf', 'anyOf', 'oneOf', 'prefixItems')
MAP = ('$defs', 'properties', 'patternProperties', 'dependentSchemas')


def strict_problems(s, where='#'):
    """Unknown keywords and formats this validator cannot check, as ajv's strict mode."""
    if isinstance(s, bool):
        return []
    if not isinstance(s, dict):
        return [f'{where}: not a schema']
    out = [f'{where}: unknown keyword "{k}"' for k in s if k not in KEYWORDS]
    if 'format' in s and s['format'] not in Draft202012Validator.FORMAT_CHECKER.checkers:
        out.append(f'{where}: format "{s["format"]}" cannot be checked here')
    for k in ONE:
        if k in s:
            out += strict_problems(s[k], f'{where}/{k}')
    for k in LIST:
        for i, sub in enumerate(s.get(k, [])):
            out += strict_problems(sub, f'{where}/{k}/{i}')
    for k in MAP:
        for name, sub in s.get(k, {}).items():
            out += strict_problems(sub, f'{where}/{k}/{name}')
    return out


def delete(m, k):
    del m[k]
    return m


def put(m, path, value):
    *parents, last = path
    o = m
    for p in parents:
        o = o[p]
    o[last] = value
    return m


def upper_sha(m):
    # upper case, and no digits left: a sha256 that is hex only in upper case
    s = m['members'][0]['sha256'].upper()
    m['members'][0]['sha256'] = ''.join('A' if ch.isdigit() else ch for ch in s)
    return m


VARIANTS = [
    ('original', True, lambda m: m),
    ('no tool', False, lambda m: delete(m, 'tool')),
    ('extra field', False, lambda m: put(m, ['extra'], 1)),
    ('schema kolm/2', False, lambda m: put(m, ['schema'], 'kolm/2')),
    ('gate 1.5', False, lambda m: put(m, ['gate'], 1.5)),
    ('k_score null', True, lambda m: put(m, ['k_score'], None)),
    ('k_score source guessed', False, lambda m: put(m, ['k_score'], {'value': 0.9, 'source': 'guessed', 'method': 'x'})),
    ('k_score value 1', True, lambda m: put(m, ['k_score'], {'value': 1, 'source': 'measured', 'method': 'kolm eval'})),
    ('k_score without method', False, lambda m: put(m, ['k_score'], {'value': 0.9, 'source': 'declared'})),
    ('uppercase sha256', False, upper_sha),
    ('member ../x.safetensors', False, lambda m: put(m, ['members', -1, 'name'], '../x.safetensors')),
    ('member sub/model.safetensors', False, lambda m: put(m, ['members', -1, 'name'], 'sub/model.safetensors')),
    ('member notes.txt', False, lambda m: put(m, ['members', 0, 'name'], 'notes.txt')),
    ('member size -1', False, lambda m: put(m, ['members', 0, 'size'], -1)),
    ('member extra field', False, lambda m: put(m, ['members', 0, 'mode'], 420)),
    ('evalpack items 0', False, lambda m: put(m, ['evalpack', 'items'], 0)),
    ('evalpack other member', False, lambda m: put(m, ['evalpack', 'member'], 'eval.jsonl')),
    ('created yesterday', False, lambda m: put(m, ['created'], 'yesterday')),
    ('empty name', False, lambda m: put(m, ['name'], '')),
    ('two members only', False, lambda m: put(m, ['members'], m['members'][:2])),
    ('not an object', False, lambda m: [m]),
]


def main():
    schema_path, orig_path, out = sys.argv[1:4]
    with open(schema_path, encoding='utf-8') as fh:
        schema = json.load(fh)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as e:
        print(f'schema: not a valid Draft 2020-12 schema: {e.message} at {e.json_path}', file=sys.stderr)
        return 2
    problems = strict_problems(schema)
    if problems:
        print('schema: ' + '\n        '.join(problems), file=sys.stderr)
        return 2
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    with open(orig_path, encoding='utf-8') as fh:
        orig = json.load(fh)
    bad = 0
    for i, (label, expect, f) in enumerate(VARIANTS):
        v = f(copy.deepcopy(orig))
        with open(os.path.join(out, f'{i}.json'), 'w', encoding='utf-8') as fh:
            fh.write(json.dumps(v, indent=2, ensure_ascii=False) + '\n')
        ok = validator.is_valid(v)
        if ok != expect:
            bad += 1
            for e in validator.iter_errors(v):
                print(f'# {i}: {e.message} at {e.json_path}', file=sys.stderr)
        print(f"{i} {'valid' if expect else 'invalid'} {'valid' if ok else 'invalid'} {label}")
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
