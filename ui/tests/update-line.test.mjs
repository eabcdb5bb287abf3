// update-line.js: what Settings says about updates, in English and Spanish.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { updateLine } from '../update-line.js';
import { speak } from './words.mjs';

const base = { available: true, enabled: true, lastChecked: null, last: null };

test('a build from source says why it never looks, whatever the setting', () => {
  speak('en');
  assert.match(updateLine({ ...base, available: false }), /built from source/);
  speak('es');
  assert.match(updateLine({ ...base, available: false }), /desde el código fuente/);
});

test('each finding is one plain line with the version it names', () => {
  speak('en');
  // Today at 14:07, whenever the test runs (a bare `new Date()` at 00:00 once read as a date).
  const today = new Date();
  today.setHours(14, 7, 0, 0);
  const at = today.toISOString();
  assert.equal(updateLine(base), 'Purser has not looked for a new version yet.');
  const refused = { ...base, lastChecked: at, last: { kind: 'badSignature', version: '0.2.0' } };
  assert.match(updateLine(refused), /^Last looked \d\d:\d\d( [AP]M)?: version 0\.2\.0 was refused: .*Nothing was installed\.$/);
  const offline = { ...base, lastChecked: at, last: { kind: 'offline' } };
  assert.match(updateLine(offline), /could not be reached \(offline\?\)\. Purser looks again tomorrow\.$/);
  speak('es');
  assert.match(updateLine(refused), /^Última búsqueda \d\d:\d\d: se rechazó la versión 0\.2\.0: .*No se instaló nada\.$/);
  assert.match(updateLine({ ...offline, enabled: false }), /Purser no busca versiones nuevas por sí solo\.$/);
});

test('a look in the first minute of the day keeps its time; a day\'s start reads as the day', () => {
  speak('en');
  const early = new Date();
  early.setHours(0, 0, 30, 0);
  const refused = { ...base, lastChecked: early.toISOString(), last: { kind: 'badSignature', version: '0.2.0' } };
  assert.match(updateLine(refused), /^Last looked (00:00|12:00 AM): /);
  early.setSeconds(0);
  assert.doesNotMatch(updateLine({ ...refused, lastChecked: early.toISOString() }), /00:00|12:00/);
});

test('every finding the core can report has words in both languages', () => {
  for (const lang of ['en', 'es']) {
    speak(lang);
    for (const kind of ['upToDate', 'offered', 'offline', 'serverError', 'noBuildForThisComputer',
      'badSignature', 'installFailed', 'installed']) {
      const line = updateLine({ ...base, last: { kind, version: '0.2.0' } });
      assert.ok(line && !line.includes('update.found'), `${lang} ${kind}: ${line}`);
    }
  }
});
