//! Layout checks for the end-to-end suites: what pokes out of its card, and resizing the
//! window. Included by the suites that look at a screen at the default and minimum size.
#![allow(dead_code)]

use super::desktop::Desktop;

/// Every visible control or text that pokes out of the card (or, outside cards, the main
/// area) it belongs to, by more than a pixel.
const OVERFLOWS: &str = r#"
const out = [];
const main = document.querySelector('main').getBoundingClientRect();
const panel = [...document.querySelectorAll('[data-panel]')].find((p) => !p.hidden);
for (const el of panel.querySelectorAll('button, input, select, label, textarea, p, h1, h2, strong, span, legend, .secret-state, .check-result')) {
  const r = el.getBoundingClientRect();
  if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
  // Inside a code block that scrolls (a diff, YAML) a long line scrolls, it does not spill.
  const code = el.closest('pre');
  if (code && ['auto', 'scroll'].includes(getComputedStyle(code).overflowX)) continue;
  const box = (el.closest('.card, .notice, dialog') ?? document.querySelector('main')).getBoundingClientRect();
  const name = `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${(el.textContent || el.value || '').trim().slice(0, 40)}"`;
  if (r.right > box.right + 1 || r.left < box.left - 1) out.push(`${name} spills sideways (${Math.round(r.left)}–${Math.round(r.right)} vs ${Math.round(box.left)}–${Math.round(box.right)})`);
  if (el.scrollWidth > el.clientWidth + 1 && ['LABEL', 'P', 'SPAN', 'STRONG', 'BUTTON'].includes(el.tagName) && getComputedStyle(el).overflow !== 'visible') out.push(`${name} is clipped`);
}
for (const row of panel.querySelectorAll('.secret-row .row')) {
  const tops = [...row.children].filter((c) => !c.hidden).map((c) => c.getBoundingClientRect().top);
  if (Math.max(...tops) - Math.min(...tops) > 6) out.push(`a secret's box and its buttons wrap onto two lines (${row.parentElement.dataset.kind})`);
}
if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push(`the window scrolls sideways (${document.documentElement.scrollWidth} > ${window.innerWidth})`);
const area = document.querySelector('main');
if (area.scrollWidth > area.clientWidth + 1) {
  const edge = area.getBoundingClientRect().left + area.clientWidth;
  const wide = [...area.querySelectorAll('*')]
    .filter((el) => el.getBoundingClientRect().right > edge + 1 && !el.closest('pre'))
    .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + el.className : ''}`)
    .slice(0, 5);
  out.push(`the main area scrolls sideways (${area.scrollWidth} > ${area.clientWidth}): ${wide.join(', ')}`);
}
return out;
"#;

pub async fn overflows(app: &Desktop) -> Vec<String> {
    let found = app.client.execute(OVERFLOWS, vec![]).await.unwrap();
    serde_json::from_value(found).unwrap()
}

pub async fn resize(app: &Desktop, width: u32, height: u32) {
    app.client
        .set_window_size(width, height)
        .await
        .expect("the window can be resized");
    // Let the page lay itself out at the new size.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
}

/// Scrolls the element with `id` to the top of the main area, for a screenshot of it.
pub async fn show(app: &Desktop, id: &str) {
    let script = "document.getElementById(arguments[0]).scrollIntoView({block: 'start'})";
    app.client
        .execute(script, vec![serde_json::json!(id)])
        .await
        .expect("scrolled");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
}
