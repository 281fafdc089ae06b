// Runs on every page: the menu toggle on narrow screens, logout, and a last-resort error toast.
import { post } from './api.js';
import { toast } from './ui.js';

const toggle = document.querySelector('[data-nav-toggle]');
const nav = document.getElementById('cg-nav');
if (toggle && nav) {
  toggle.addEventListener('click', () => {
    const open = nav.classList.toggle('open');
    toggle.setAttribute('aria-expanded', String(open));
  });
}

for (const b of document.querySelectorAll('[data-logout]')) {
  b.addEventListener('click', async () => {
    try {
      await post('/api/v1/auth/logout', undefined, { quiet: true, noRedirect: true });
    } catch (e) {
      // Already logged out or offline: going to the login page is still right.
    }
    try { sessionStorage.clear(); } catch (e) { /* storage disabled */ }
    location.assign('/login');
  });
}

// ApiErrors have been shown by the API client already; anything else is a bug worth telling the user about.
window.addEventListener('unhandledrejection', (e) => {
  if (e.reason && (e.reason.name === 'ApiError' || e.reason.name === 'AbortError')) { e.preventDefault(); return; }
  toast(`页面出错：${(e.reason && e.reason.message) || e.reason}`, 'error');
});
