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
/** The size chosen: a size's name or 'custom'; `null` while a new app waits for the sizes. */
let chosen = null;
/** What the choices show now, so a redraw with nothing new leaves them (and focus) alone. */
let drawn = '';

export function initSizes() {
  $('app-replicas').addEventListener('input', showTotal);
  // New prices (edited in the guard's card) re-price every size.
  onChanged('prices', loadSizes);
}

/** Reads the sizes and their prices. The form starts as a new app: Small, once known. */
export async function loadSizes() {
  try {
    sizes = await api.sizePresets();
  } catch {
    sizes = [];
  }
  if (chosen === null) showSizeOf(currentFields(), true);
  else drawSizes();
}

/** The choices again, in the language in use. */
export function redrawSizes() {
  drawSizes();
}

function currentFields() {
  return Object.fromEntries(FIELDS.map((field) => [field, $(INPUT[field]).value]));
}

/** "0.5 vCPU, 768 MB reserved", as the language writes the numbers. */
function detail(size) {
  const vcpu = size.vcpu.toLocaleString(language());
  return render('size.detail', { vcpu, mb: size.memoryMb.toLocaleString(language()) });
}

/** Each choice's value, title and small print. */
function choices() {
  const list = sizes.map((size) => [
    size.name,
    size.monthly == null
      ? t(`size.${size.name}`)
      : `${t(`size.${size.name}`)} · ${render('size.price', { cost: size.monthly, currency: 'USD' })}`,
    detail(size),
  ]);
  list.push(['custom', t('size.custom'), t('size.customDetail')]);
  return list;
}

function option([value, title, small]) {
  const label = document.createElement('label');
  label.className = 'size-option';
  const input = Object.assign(document.createElement('input'), { type: 'radio', name: 'app-size', value });
  input.addEventListener('change', () => choose(value));
  const name = Object.assign(document.createElement('span'), { className: 'size-name', textContent: title });
  const note = Object.assign(document.createElement('small'), { textContent: small });
  label.append(input, name, note);
  return label;
}

function drawSizes() {
  const list = choices();
  const signature = JSON.stringify(list);
  if (signature !== drawn) {
    $('size-options').replaceChildren(...list.map(option));
    drawn = signature;
  }
  const value = chosen ?? 'custom';
  const input = document.querySelector(`input[name="app-size"][value="${value}"]`);
  if (input) input.checked = true;
  $('size-custom').hidden = value !== 'custom';
  showTotal();
}

/** A size chosen: its requests and limits go into the form's fields. */
function choose(value) {
  const size = sizes.find((s) => s.name === value);
  if (size) for (const field of FIELDS) $(INPUT[field]).value = size[field];
  chosen = value;
  drawSizes();
}

/** After the form is filled: the size its fields are, else Custom. A new app with no CPU or
 *  memory yet starts Small; an existing app keeps what it runs with. */
export function showSizeOf(spec, isNew) {
  const typed = FIELDS.some((field) => (spec[field] ?? '') !== '');
  if (isNew && !typed) {
    if (sizes.length) choose(sizes[0].name);
    else chosen = null;
    return;
  }
  const same = sizes.find((size) => FIELDS.every((field) => (spec[field] ?? '') === size[field]));
  chosen = same?.name ?? 'custom';
  drawSizes();
}

/** A problem with the CPU or memory: Custom shows those fields, so it can be seen. */
export function showSizeProblems(problems = []) {
  if (!problems.some((p) => FIELDS.includes(p.field))) return;
  chosen = 'custom';
  drawSizes();
}

/** "3 copies ≈ $54 a month" for a size; nothing for Custom (the preview prices it). */
function showTotal() {
  const size = sizes.find((s) => s.name === chosen);
  const copies = Number($('app-replicas').value);
  const box = $('size-total');
  if (!size || size.monthly == null || !Number.isInteger(copies) || copies < 0) {
    box.textContent = '';
    return;
  }
  box.textContent = render('size.total', { count: copies, cost: size.monthly * copies, currency: 'USD' });
}
