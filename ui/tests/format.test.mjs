// format.js: money and form amounts as each language writes them. The expected strings are
// what Intl (ICU) writes; Spanish puts a no-break space (\u00a0) before the currency sign.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { money, moneyFromCents, amountForInput } from '../format.js';
import { speak } from './words.mjs';

const NBSP = '\u00a0';

test('money keeps the currency’s cents by default, in English and Spanish', () => {
  assert.equal(money(1234.5, 'USD', { lang: 'en' }), '$1,234.50');
  assert.equal(money(1234.5, 'USD', { lang: 'es' }), `1234,50${NBSP}US$`);
  // Spanish groups thousands from five digits on.
  assert.equal(money(12345.5, 'EUR', { lang: 'es' }), `12.345,50${NBSP}€`);
  assert.equal(money(0.04, 'USD', { lang: 'en' }), '$0.04');
  assert.equal(money(500, 'JPY', { lang: 'en' }), '¥500');
});

test('money in whole units (maximumFractionDigits 0) rounds', () => {
  assert.equal(money(1234.5, 'USD', { cents: false, lang: 'en' }), '$1,235');
  assert.equal(money(1234.4, 'USD', { cents: false, lang: 'es' }), `1234${NBSP}US$`);
  assert.equal(money(12345.5, 'USD', { cents: false, lang: 'es' }), `12.346${NBSP}US$`);
});

test('money with exact cents shows two decimals even for a whole amount', () => {
  assert.equal(money(400, 'USD', { cents: true, lang: 'en' }), '$400.00');
  assert.equal(money(400.5, 'USD', { cents: true, lang: 'es' }), `400,50${NBSP}US$`);
});

test('a signed change has a sign both ways, and none at zero', () => {
  assert.equal(money(64.4, 'USD', { cents: false, signed: true, lang: 'en' }), '+$64');
  assert.equal(money(-64.4, 'USD', { cents: false, signed: true, lang: 'en' }), '-$64');
  assert.equal(money(0, 'USD', { cents: false, signed: true, lang: 'en' }), '$0');
  assert.equal(money(64.4, 'USD', { cents: false, lang: 'en' }), '$64');
});

test('a currency code Intl refuses reads as the number and the code', () => {
  assert.equal(money(1234.5, 'US', { cents: false, lang: 'en' }), '1235 US');
  assert.equal(moneyFromCents(123456, 'EURO', { lang: 'es' }), '1234.56 EURO');
});

test('moneyFromCents turns the core’s whole cents into money to the cent', () => {
  assert.equal(moneyFromCents(4, 'USD', { lang: 'en' }), '$0.04');
  assert.equal(moneyFromCents(123456, 'EUR', { lang: 'en' }), '€1,234.56');
  assert.equal(moneyFromCents(123456, 'EUR', { lang: 'es' }), `1234,56${NBSP}€`);
  assert.equal(moneyFromCents(-250, 'USD', { lang: 'en' }), '-$2.50');
});

test('the language in use is the default', () => {
  speak('es');
  assert.equal(money(1234.5), `1234,50${NBSP}US$`);
  assert.equal(amountForInput(1500.5), '1500,50');
  speak('en');
  assert.equal(money(1234.5), '$1,234.50');
  assert.equal(amountForInput(1500.5), '1500.50');
});

test('amountForInput writes what the field reads back: no grouping, cents when there are some', () => {
  assert.equal(amountForInput(1500.5, { lang: 'es' }), '1500,50');
  assert.equal(amountForInput(1500, { lang: 'es' }), '1500');
  assert.equal(amountForInput(1234567.891, { lang: 'en' }), '1234567.89');
  // A fraction of a cent is no cents.
  assert.equal(amountForInput(12.001, { lang: 'en' }), '12');
  assert.equal(amountForInput(400, { alwaysCents: true, lang: 'es' }), '400,00');
  assert.equal(amountForInput(null), '');
  assert.equal(amountForInput(undefined), '');
});
