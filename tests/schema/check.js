// Validate sample manifests with ajv against docs/kolm-manifest.schema.json.
// usage: node check.js SCHEMA ORIGINAL_KOLM_JSON OUTDIR
// Writes OUTDIR/<n>.json (one variant each) and prints "<n> <expected> <ajv>" lines,
// where expected/ajv are "valid" or "invalid".  Exits 1 if ajv disagrees with expected.
const fs = require('fs');
const Ajv2020 = require('ajv/dist/2020');
const [schemaPath, origPath, out] = process.argv.slice(2);
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(schema);
const orig = JSON.parse(fs.readFileSync(origPath, 'utf8'));
const c = () => JSON.parse(JSON.stringify(orig));
const variants = [
  ['original', true, m => m],
  ['no tool', false, m => { delete m.tool; return m; }],
  ['extra field', false, m => { m.extra = 1; return m; }],
  ['schema kolm/2', false, m => { m.schema = 'kolm/2'; return m; }],
  ['gate 1.5', false, m => { m.gate = 1.5; return m; }],
  ['k_score null', true, m => { m.k_score = null; return m; }],
  ['k_score source guessed', false, m => { m.k_score = { value: 0.9, source: 'guessed', method: 'x' }; return m; }],
  ['k_score value 1', true, m => { m.k_score = { value: 1, source: 'measured', method: 'kolm eval' }; return m; }],
  ['k_score without method', false, m => { m.k_score = { value: 0.9, source: 'declared' }; return m; }],
  ['uppercase sha256', false, m => { m.members[0].sha256 = m.members[0].sha256.toUpperCase().replace(/[0-9]/g, 'A'); return m; }],
  ['member ../x.safetensors', false, m => { m.members[m.members.length - 1].name = '../x.safetensors'; return m; }],
  ['member sub/model.safetensors', false, m => { m.members[m.members.length - 1].name = 'sub/model.safetensors'; return m; }],
  ['member notes.txt', false, m => { m.members[0].name = 'notes.txt'; return m; }],
  ['member size -1', false, m => { m.members[0].size = -1; return m; }],
  ['member extra field', false, m => { m.members[0].mode = 420; return m; }],
  ['evalpack items 0', false, m => { m.evalpack.items = 0; return m; }],
  ['evalpack other member', false, m => { m.evalpack.member = 'eval.jsonl'; return m; }],
  ['created yesterday', false, m => { m.created = 'yesterday'; return m; }],
  ['empty name', false, m => { m.name = ''; return m; }],
  ['two members only', false, m => { m.members = m.members.slice(0, 2); return m; }],
  ['not an object', false, m => [m]],
];
let bad = 0;
variants.forEach(([label, expect, f], i) => {
  const v = f(c());
  fs.writeFileSync(`${out}/${i}.json`, JSON.stringify(v, null, 2) + '\n');
  const ok = validate(v);
  if (ok !== expect) bad++;
  console.log(`${i} ${expect ? 'valid' : 'invalid'} ${ok ? 'valid' : 'invalid'} ${label}`);
});
process.exit(bad ? 1 : 0);
