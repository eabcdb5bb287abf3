// i18n.js with the real words (locales/*.json): plural choice, placeholders filled with money,
// moments and words, the English fallback, and what an unknown key gives.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { t, tn, render, renderPhrase, has, language, setLanguage, useWords, momentText } from '../i18n.js';
import { speak, EN, ES, VALUES } from './words.mjs';

const NBSP = '\u00a0';
// Moments from this computer's own clock, so the expected text holds in any time zone.
const AT = new Date(2031, 11, 1, 19, 14).toISOString();
const MIDNIGHT = new Date(2032, 0, 1).toISOString();

test('tn picks the singular or the plural form', () => {
  speak('en');
  assert.equal(tn('deployment.scaled', 1, { n: 1 }), 'Asked for 1 copy.');
  assert.equal(tn('deployment.scaled', 2, { n: 2 }), 'Asked for 2 copies.');
  speak('es');
  assert.equal(tn('deployment.scaled', 1, { n: 1 }), 'Pedida 1 copia.');
  assert.equal(tn('deployment.scaled', 2, { n: 2 }), 'Pedidas 2 copias.');
});

test('render fills money, moments and words in each language', () => {
  const params = { basis: 'forecast', figure: 1234.5, budget: 1000, at: AT, until: MIDNIGHT };
  speak('en');
  assert.equal(render('hint.guard_cooldown', params),
    'Over budget (The month-end forecast: $1,235 against $1,000); the guard acted at Dec 1, 07:14 PM'
    + ' and may act again after January 1.');
  speak('es');
  assert.equal(render('hint.guard_cooldown', params),
    `Por encima del presupuesto (La previsión a fin de mes: 1235${NBSP}US$ frente a 1000${NBSP}US$);`
    + ' el guardián actuó a las 1 dic, 19:14 y puede volver a actuar después de las 1 de enero.');
});

test('an exact amount shows its cents only when it has some; a currency param is used', () => {
  speak('en');
  assert.equal(render('error.guard_openai_propose', { capAmount: 400.5 }),
    'The budget guard proposes capping the OpenAI project’s spend at $400.50 a month.');
  assert.equal(render('error.guard_openai_propose', { capAmount: 400 }),
    'The budget guard proposes capping the OpenAI project’s spend at $400 a month.');
  // Not an exact amount: whole units, in the currency given.
  assert.equal(render('cost.spentOfBudget', { spent: 1234.56, budget: 2000, percent: 62, currency: 'EUR' }),
    'This month so far: €1,235 of your €2,000 budget (62 %).');
  speak('es');
  assert.equal(render('error.guard_openai_propose', { capAmount: 400.5 }),
    `El guardián del presupuesto propone un tope de 400,50${NBSP}US$ al mes al gasto del proyecto de OpenAI.`);
});

test('copies and request counts named floor and cap stay numbers, not money', () => {
  speak('en');
  assert.equal(render('hint.guard_at_floor', { floor: 3 }),
    'Over budget, but the app is already at its floor of 3 copies.');
  assert.match(render('error.cost_request_cap', { cap: 100, cost: 1 }),
    /^Purser has made 100 Cost Explorer requests this month, the most you allowed \(\$1\)\.$/);
  speak('es');
  assert.doesNotMatch(render('guard.sentence.propose', { floor: 3, to: 3 }), /US\$/);
});

test('a value that is a word is written in the language in use', () => {
  speak('en');
  assert.equal(render('activityDetail.guardOpenAiLever', { app: 'web', lever: 'propose' }), 'web: propose a cap');
  speak('es');
  assert.equal(render('activityDetail.guardOpenAiLever', { app: 'web', lever: 'propose' }), 'web: proponer un tope');
  // Not a known word: as given.
  assert.equal(render('activityDetail.guardOpenAiLever', { app: 'web', lever: 'sideways' }), 'web: sideways');
});

test('a moment today reads as the time alone', () => {
  const today = new Date();
  today.setHours(19, 14, 0, 0);
  speak('en');
  assert.equal(momentText(today.toISOString()), '07:14 PM');
  speak('es');
  assert.equal(momentText(today.toISOString()), '19:14');
  assert.equal(momentText('not a time'), 'not a time');
});

test('a key missing in Spanish falls back to English', () => {
  speak('es', { en: { 'only.en': 'English only', both: 'Both' }, es: { both: 'Ambos' } });
  assert.equal(t('only.en'), 'English only');
  assert.equal(t('both'), 'Ambos');
  assert.equal(render('only.en'), 'English only');
  setLanguage('en');
  assert.equal(t('both'), 'Both');
});

test('an unknown key: t and tn give the key, render gives undefined, has is false', () => {
  speak('es');
  assert.equal(t('no.such.key'), 'no.such.key');
  assert.equal(tn('no.such.key', 2), 'no.such.key');
  assert.equal(render('no.such.key', { n: 1 }), undefined);
  assert.equal(has('no.such.key'), false);
  assert.equal(has('nav.cost'), true);
  assert.equal(t('nav.cost'), 'Coste y presupuesto');
});

test('has looks at the English words, whatever the language', () => {
  speak('es', { en: { 'only.en': 'English only' }, es: { 'only.es': 'Solo español' } });
  assert.equal(has('only.en'), true);
  assert.equal(has('only.es'), false);
});

test('setLanguage keeps a language it has words for, else English, and marks the page', () => {
  useWords({ en: EN, es: ES }, VALUES);
  setLanguage('es');
  assert.equal(language(), 'es');
  assert.equal(document.documentElement.lang, 'es');
  setLanguage('fr');
  assert.equal(language(), 'en');
  assert.equal(document.documentElement.lang, 'en');
});

test('a phrase from the core reads as the report writes it: its items after a colon, a full stop', () => {
  // As `CostView.change` carries it (see src-tauri/core/src/cost/change_tests.rs).
  const phrase = {
    key: 'costChange.soFarUp',
    params: { currency: 'USD', previousMonth: 11, thisMonth: 12, moved: 300, percent: 23, days: 10 },
    items: [
      { key: 'costChange.moverUp', params: { currency: 'USD', name: 'EC2', moved: 300 } },
      { key: 'costChange.openaiNew', params: { currency: 'USD', name: 'gpt-4o, output', moved: 150 } },
    ],
  };
  speak('en');
  assert.equal(renderPhrase(phrase),
    'Up $300 (+23 %) on the first 10 days of November (at its daily average): EC2 +$300, OpenAI gpt-4o, output +$150 (new).');
  speak('es');
  assert.equal(renderPhrase(phrase),
    `Sube 300${NBSP}US$ (+23 %) respecto a los primeros 10 días de noviembre (a su media diaria): EC2 +300${NBSP}US$,`
    + ` OpenAI gpt-4o, output +150${NBSP}US$ (nuevo).`);
  speak('en');
  assert.equal(renderPhrase({ key: 'costChange.firstDay', params: { thisMonth: 12 } }),
    'The month has just begun: there is nothing of December to compare yet.');
});
