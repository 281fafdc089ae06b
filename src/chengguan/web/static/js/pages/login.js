import { post } from '../cg/api.js';
import { page } from '../cg/config.js';

const form = document.getElementById('login-form');
const err = document.getElementById('login-error');

async function login(username, password) {
  err.hidden = true;
  const btn = form.querySelector('button[type=submit]');
  btn.disabled = true;
  try {
    await post('/api/v1/auth/login', { username, password }, { quiet: true, noRedirect: true });
    // The server now knows the session; every page carries its CSRF token, so nothing is stored here.
    location.assign(page.next || '/');
  } catch (e) {
    err.textContent = e.message;
    err.hidden = false;
    btn.disabled = false;
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const u = form.username.value.trim();
  const p = form.password.value;
  if (!u || !p) { err.textContent = '请输入用户名和密码'; err.hidden = false; return; }
  login(u, p);
});

for (const b of document.querySelectorAll('[data-demo]')) {
  b.addEventListener('click', () => {
    form.username.value = b.dataset.demo;
    form.password.value = 'demo';
    login(b.dataset.demo, 'demo');
  });
}
