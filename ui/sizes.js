// The deploy form's sizes in plain words: Small, Medium and Large, each with what a copy costs
// a month at the guard's prices (CPU and memory in small print), and Custom (the CPU and memory
// fields themselves). A size fills those fields, so what is deployed is what was chosen.

import { api, onChanged } from './api.js';
import { t, render, language } from './i18n.js';

const $ = (id) => document.getElementById(id);
const FIELDS = ['cpuRequest', 'cpuLimit', 'memoryRequest', 'memoryLimit'];
const INPUT = {
  cpuRequest: 'app-cpu-request',
  cpuLimit: 'app-cpu-limit',
  memoryRequest: 'app-memory-request',
  memoryLimit: 'app-memory-limit',
};

let sizes = [];

export function initSizes() {
  $('app-replicas').addEventListener('input', showTotal);
  // New prices (edited in the guard's card) re-price every size.
  onChanged('prices', loadSizes);
}

/** Reads the sizes and their prices, and draws them keeping the choice. */
export async function loadSizes() {
  const before = chosen();
  try {
    sizes = await api.sizePresets();
  } catch {
    sizes = [];
  }
  drawSizes(before ?? 'custom');
  if (!before) showSizeOf(Object.fromEntries(FIELDS.map((field) => [field, $(INPUT[field]).value])));
}

function chosen() {
  return document.querySelector('input[name="app-size"]:checked')?.value ?? null;
}

/** "0.5 vCPU, 768 MB reserved", as the language writes the numbers. */
function detail(size) {
  const vcpu = size.vcpu.toLocaleString(language());
  return render('size.detail', { vcpu, mb: size.memoryMb.toLocaleString(language()) });
}

function option(value, name, price, small) {
  const label = document.createElement('label');
  label.className = 'size-option';
  const input = Object.assign(document.createElement('input'), { type: 'radio', name: 'app-size', value });
  input.addEventListener('change', () => choose(value));
  const title = Object.assign(document.createElement('span'), { className: 'size-name', textContent: price ? `${name} · ${price}` : name });
  const note = Object.assign(document.createElement('small'), { textContent: small });
  label.append(input, title, note);
  return label;
}

function drawSizes(selected) {
  const options = sizes.map((size) => option(
    size.name,
    t(`size.${size.name}`),
    size.monthly == null ? '' : render('size.price', { cost: size.monthly, currency: 'USD' }),
    detail(size),
  ));
  options.push(option('custom', t('size.custom'), '', t('size.customDetail')));
  $('size-options').replaceChildren(...options);
  select(selected);
}

function select(value) {
  const input = document.querySelector(`input[name="app-size"][value="${value}"]`)
    ?? document.querySelector('input[name="app-size"][value="custom"]');
  input.checked = true;
  $('size-custom').hidden = input.value !== 'custom';
  showTotal();
}

/** A size chosen: its requests and limits go into the form's fields. */
function choose(value) {
  const size = sizes.find((s) => s.name === value);
  if (size) for (const field of FIELDS) $(INPUT[field]).value = size[field];
  select(value);
}

/** After the form is filled from an app: the size its fields are, else Custom; a new app
 *  (no CPU or memory yet) starts Small. */
export function showSizeOf(spec) {
  const typed = FIELDS.some((field) => (spec[field] ?? '') !== '');
  if (!typed && sizes.length) {
    choose(sizes[0].name);
    return;
  }
  const same = sizes.find((size) => FIELDS.every((field) => (spec[field] ?? '') === size[field]));
  select(same?.name ?? 'custom');
}

/** "3 copies ≈ $54 a month" for a size; nothing for Custom (the preview prices it). */
function showTotal() {
  const size = sizes.find((s) => s.name === chosen());
  const copies = Number($('app-replicas').value);
  const box = $('size-total');
  if (!size || size.monthly == null || !Number.isInteger(copies) || copies < 0) {
    box.textContent = '';
    return;
  }
  box.textContent = render('size.total', { count: copies, cost: size.monthly * copies, currency: 'USD' });
}

