// Money and amounts as the user's language writes them: the one place the window turns a
// number into a figure, so every screen writes "$1,234" or "1234 US$" the same way. Pure
// functions: the language is passed in (`lang`) or is the one in use (`language()`, the same
// as i18n's; i18n.js uses `money` for the amounts inside texts).

import { language } from './language.js';

/** Intl's digit options for `cents`: see `money`. */
function fractionDigits(cents) {
  if (cents === true) return { minimumFractionDigits: 2, maximumFractionDigits: 2 };
  if (cents === false) return { minimumFractionDigits: 0, maximumFractionDigits: 0 };
  return {};
}

/** `money` options for whole units, as summaries and cards show amounts. */
export const WHOLE = Object.freeze({ cents: false });

/**
 * An amount of money in `currency` (an ISO 4217 code), as `lang` writes it.
 * - `cents` left out: as many decimals as the currency has ("$1,234.50", "1234,50 US$");
 *   `false`: whole units, rounded ("$1,235"); `true`: always two decimals.
 * - `signed`: a plus before a rise ("+$64"), a minus before a fall, no sign at zero.
 * A currency code Intl refuses reads "1235 XYZ" (whole) or "1234.50 XYZ" instead of failing.
 */
export function money(amount, currency = 'USD', { cents, signed = false, lang = language() } = {}) {
  try {
    return new Intl.NumberFormat(lang, {
      style: 'currency',
      currency,
      ...fractionDigits(cents),
      signDisplay: signed ? 'exceptZero' : 'auto',
    }).format(amount);
  } catch {
    return `${cents === false ? Math.round(amount) : Number(amount).toFixed(2)} ${currency}`;
  }
}

/** Money to the cent from a whole number of cents, as the core counts them: 4 → "$0.04",
 *  123456 EUR in Spanish → "1234,56 €". Options as `money`'s. */
export function moneyFromCents(cents, currency = 'USD', options = {}) {
  return money(cents / 100, currency, options);
}

/**
 * An amount for a form field, as the user's language writes it and reads it back: no
 * grouping, "1500,50" in Spanish. Two decimals when the amount has cents ("1500" otherwise),
 * or always with `alwaysCents` ("400,00"). Nothing (`''`) for no amount.
 */
export function amountForInput(amount, { alwaysCents = false, lang = language() } = {}) {
  if (amount == null) return '';
  const cents = alwaysCents || Math.round(amount * 100) % 100 !== 0;
  return new Intl.NumberFormat(lang, {
    useGrouping: false,
    minimumFractionDigits: cents ? 2 : 0,
    maximumFractionDigits: 2,
  }).format(amount);
}
