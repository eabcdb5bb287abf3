// The two word lists match: the same keys in the same order, the same plural forms, and every
// {value} an English text names is named by the Spanish one too (and the other way round).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EN, ES } from './words.mjs';

/** A text's forms: { text } for a plain one, { one, other } for a plural one. */
const forms = (entry) => (typeof entry === 'string' ? { text: entry } : entry);
const placeholders = (text) => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();

test('the word lists were read', () => {
  assert.ok(Object.keys(EN).length > 300, `${Object.keys(EN).length} keys`);
  assert.equal(EN['nav.cost'], 'Cost & budget');
  assert.equal(ES['nav.cost'], 'Coste y presupuesto');
});

test('English and Spanish have the same keys, in the same order', () => {
  assert.deepEqual(Object.keys(EN).filter((k) => !(k in ES)), [], 'in English only');
  assert.deepEqual(Object.keys(ES).filter((k) => !(k in EN)), [], 'in Spanish only');
  assert.deepEqual(Object.keys(ES), Object.keys(EN));
});

test('every text is a string or a plural object of strings, with the same forms in both', () => {
  for (const [key, entry] of Object.entries(EN)) {
    for (const [lang, value] of [['en', entry], ['es', ES[key]]]) {
      const ok = typeof value === 'string'
        || (value !== null && typeof value === 'object' && typeof value.other === 'string'
          && Object.values(value).every((v) => typeof v === 'string'));
      assert.ok(ok, `${lang} ${key}: ${JSON.stringify(value)}`);
    }
    assert.deepEqual(Object.keys(forms(ES[key])), Object.keys(forms(entry)), `${key}: the same forms`);
  }
});

test('every {value} named in English is named in Spanish, form by form', () => {
  const differ = [];
  for (const [key, entry] of Object.entries(EN)) {
    const es = forms(ES[key]);
    for (const [form, text] of Object.entries(forms(entry))) {
      const a = placeholders(text);
      const b = placeholders(es[form] ?? '');
      if (a.join() !== b.join()) differ.push(`${key} (${form}): en {${a}} es {${b}}`);
    }
  }
  assert.deepEqual(differ, []);
});
