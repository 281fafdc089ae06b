// The page configuration rendered by the server (web/shell.py page_config): user, city, map, page data.
const el = document.getElementById('cg-config');
export const config = el ? JSON.parse(el.textContent) : {};
export const user = config.user || null;
export const page = config.page || {};

/** True when the signed-in user holds one of the roles (anywhere; the API checks the region). */
export function hasRole(...roles) {
  return !!user && roles.some((r) => user.roles.includes(r));
}
