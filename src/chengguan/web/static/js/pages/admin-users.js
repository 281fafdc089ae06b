// 应用维护 · 用户与角色: accounts (server-side paginated), their roles per region (and department for
// 处置部门 handlers), activation and password resets. A role change ends the user's other sessions.
import { get, post, patch, put } from '../cg/api.js';
import { h, clear, $, formDialog, modal, toast, pager, empty, debounce } from '../cg/ui.js';
import { page } from '../cg/config.js';

const root = $('#adm-root');
const q = h('input', { type: 'search', placeholder: '用户名或姓名', id: 'user-q', 'aria-label': '搜索用户' });
const roleSel = h('select', { id: 'user-role', 'aria-label': '角色' }, h('option', { value: '' }, '全部角色'), Object.entries(page.roles).map(([k, l]) => h('option', { value: k }, l)));
const table = h('div', { class: 'table-wrap' });
const pg = h('div');
clear(root, h('div', { class: 'card' }, h('div', { class: 'filters' }, q, roleSel), table, pg));
let depts = [];
let regions = [];
let current = 1;
const PAGE = 20;

function grantText(g) {
  const reg = regions.find((r) => r.code === g.region_code);
  const dept = depts.find((d) => d.id === g.department_id);
  return `${g.label || page.roles[g.role] || g.role}${reg ? ' · ' + reg.name : g.region_code ? ' · ' + g.region_code : ''}${dept ? ' · ' + dept.name : ''}`;
}

async function load(p = current) {
  current = p;
  const data = await get('/api/v1/users', { q: q.value.trim() || null, role: roleSel.value || null, page: p, page_size: PAGE });
  clear(table, data.items.length ? h('table', { class: 'table', id: 'users' },
    h('thead', null, h('tr', null, ['用户名', '姓名', '部门', '角色', '状态', ''].map((x) => h('th', null, x)))),
    h('tbody', null, data.items.map((u) => h('tr', { dataset: { user: u.username } },
      h('td', null, u.username, u.is_demo ? h('span', { class: 'badge' }, '演示') : null), h('td', null, u.display_name),
      h('td', null, (depts.find((d) => d.id === u.department_id) || {}).name || '—'),
      h('td', { class: 'roles' }, u.roles.map((g) => h('span', { class: 'chip', dataset: { role: g.role } }, grantText(g)))),
      h('td', null, u.is_active ? h('span', { class: 'badge ok' }, '启用') : h('span', { class: 'badge bad' }, '停用')),
      h('td', null, h('div', { class: 'btn-group' },
        h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'roles' }, onclick: () => editRoles(u) }, '角色'),
        h('button', { type: 'button', class: 'btn btn-sm', onclick: () => editUser(u) }, '编辑'),
        h('button', { type: 'button', class: 'btn btn-sm btn-ghost', onclick: () => formDialog({
          title: `重置 ${u.display_name} 的密码`, fields: [{ name: 'password', label: '新密码', type: 'password', required: true }],
          onSubmit: async (v) => { await post(`/api/v1/users/${u.id}/password`, v); toast('密码已重置', 'ok'); },
        }) }, '重置密码'))))))) : empty('没有匹配的用户'));
  pager(pg, { page: p, pageSize: PAGE, total: data.total, onChange: load });
}

function editUser(u) {
  return formDialog({
    title: `编辑 ${u.username}`,
    fields: [
      { name: 'display_name', label: '姓名', required: true, value: u.display_name },
      { name: 'phone', label: '电话', value: u.phone },
      { name: 'department_id', label: '所属部门', type: 'select', options: [['', '无'], ...depts.map((d) => [String(d.id), d.name])], value: u.department_id != null ? String(u.department_id) : '' },
      { name: 'is_active', label: '启用（停用后立即不能登录）', type: 'checkbox', value: u.is_active },
    ],
    onSubmit: async (v) => { await patch(`/api/v1/users/${u.id}`, { ...v, department_id: v.department_id ? +v.department_id : null }); toast('已保存', 'ok'); load(); },
  });
}

function grantRow(g = {}) {
  const role = h('select', { name: 'role', 'aria-label': '角色' }, Object.entries(page.roles).map(([k, l]) => h('option', { value: k }, l)));
  role.value = g.role || 'collector';
  const region = h('select', { name: 'region_code', 'aria-label': '区域' }, h('option', { value: '' }, '全区'), regions.map((r) => h('option', { value: r.code }, r.name)));
  region.value = g.region_code || '';
  const dept = h('select', { name: 'department_id', 'aria-label': '部门' }, h('option', { value: '' }, '—'), depts.map((d) => h('option', { value: d.id }, d.name)));
  dept.value = g.department_id != null ? String(g.department_id) : '';
  const row = h('div', { class: 'row grant-row' }, role, region, dept,
    h('button', { type: 'button', class: 'btn btn-sm btn-ghost', 'aria-label': '删除', onclick: () => row.remove() }, '删除'));
  return row;
}

function editRoles(u) {
  const rows = h('div', { class: 'stack', id: 'grant-rows' }, u.roles.map(grantRow));
  return modal({
    title: `${u.display_name} 的角色`, wide: true,
    body: h('div', null, h('p', { class: 'muted' }, '每个角色按区域授权（全区、街道或社区）；处置部门角色需选择部门。保存后该用户需重新登录。'), rows,
      h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'add-grant' }, onclick: () => rows.append(grantRow()) }, '添加角色')),
    actions: [{
      label: '保存', kind: 'primary', key: 'submit', onClick: async () => {
        const grants = [...rows.querySelectorAll('.grant-row')].map((r) => ({
          role: r.querySelector('[name=role]').value, region_code: r.querySelector('[name=region_code]').value || null,
          department_id: r.querySelector('[name=department_id]').value ? +r.querySelector('[name=department_id]').value : null,
        }));
        await put(`/api/v1/users/${u.id}/roles`, grants);
        toast('角色已保存', 'ok');
        load();
      },
    }],
  });
}

q.addEventListener('input', debounce(() => load(1), 300));
roleSel.addEventListener('change', () => load(1));
clear($('#adm-actions'), h('button', { type: 'button', class: 'btn btn-primary', onclick: () => formDialog({
  title: '新增用户',
  fields: [
    { name: 'username', label: '用户名', required: true }, { name: 'display_name', label: '姓名', required: true },
    { name: 'password', label: '初始密码', type: 'password', required: true }, { name: 'phone', label: '电话' },
    { name: 'department_id', label: '所属部门', type: 'select', options: [['', '无'], ...depts.map((d) => [String(d.id), d.name])] },
    { name: 'role', label: '角色', type: 'select', options: Object.entries(page.roles) },
  ],
  onSubmit: async (v) => {
    const dep = v.department_id ? +v.department_id : null;
    await post('/api/v1/users', { username: v.username, display_name: v.display_name, password: v.password, phone: v.phone, department_id: dep, roles: [{ role: v.role, department_id: v.role === 'dept_handler' ? dep : null }] });
    toast('用户已创建', 'ok'); load(1);
  },
}) }, '新增用户'));

(async () => {
  const [d, district, streets] = await Promise.all([get('/api/v1/departments'), get('/api/v1/divisions', { level: 'district' }), get('/api/v1/divisions', { level: 'street' })]);
  depts = d;
  regions = [...district.features, ...streets.features].map((f) => ({ code: f.properties.code, name: f.properties.name }));
  load(1);
})();
