// For `bench/busy_cluster.py --scale-every 0 --page-script "$(cat bench/scale_in_page.js)"`:
// scales the app 10 <-> 20 every 30 s from inside the page, as a click would, so no WebDriver
// script runs per scale and what grows is the page's own.
let copies = 10;
setInterval(() => {
  copies = copies === 10 ? 20 : 10;
  const input = document.getElementById('scale-number');
  input.value = String(copies);
  input.dispatchEvent(new Event('input'));
  setTimeout(() => document.getElementById('scale-apply').click(), 400);
}, 30000);
