// The phone simulator: plays one customer's WhatsApp against the emulator.
// Every piece of text from the business or the customer is inserted with
// textContent (never innerHTML), and links are only followed when they are
// emulator media or http(s) URLs.
'use strict';

const $ = (id) => document.getElementById(id);
let current = null; // { waID, name }
let version = -1;

function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined && text !== null && text !== '') n.textContent = String(text);
  return n;
}

function safeURL(u) {
  return typeof u === 'string' && (u.startsWith('/phone/media/') || /^https?:\/\//i.test(u)) ? u : '';
}

function link(url, label) {
  const href = safeURL(url);
  if (!href) return el('span', '', label);
  const a = el('a', '', label);
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  return a;
}

async function api(path, opts) {
  const resp = await fetch(path, opts);
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(body.error || resp.statusText);
  if (body.delivery_error) notice('Queued, not delivered yet: ' + body.delivery_error);
  return body;
}

function postJSON(path, data) {
  return api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(data) });
}

function notice(text) { $('notice').textContent = text || ''; }

// act sends one customer action and refreshes the chat at once.
async function act(data) {
  if (!current) return;
  notice('');
  try {
    await postJSON('/phone/api/send', Object.assign({ wa_id: current.waID, name: current.name }, data));
  } catch (err) {
    notice(err.message);
  }
  version = -1;
  refresh();
}

function tapButton(label, onTap) {
  const b = el('button', '', label);
  b.type = 'button';
  b.addEventListener('click', onTap);
  return b;
}

const ticks = { sent: '✓ sent', delivered: '✓✓ delivered', read: '✓✓ read', failed: '✗ failed' };

function renderText(bubble, t) {
  if (t) bubble.append(el('span', '', t));
}

function renderMedia(bubble, m) {
  const c = m.content || {};
  if (m.type === 'image' && safeURL(m.media_url).startsWith('/phone/media/')) {
    const img = el('img');
    img.src = m.media_url;
    img.alt = c.caption || 'image';
    bubble.append(img);
  } else if (m.media_url) {
    bubble.append(link(m.media_url, 'Open ' + (c.filename || m.type)));
  } else {
    bubble.append(el('em', '', '[' + m.type + ']'));
  }
  if (c.caption) bubble.append(el('span', '', '\n' + c.caption));
}

function renderLocation(bubble, c) {
  bubble.append(el('strong', '', '📍 ' + (c.name || 'Location')));
  if (c.address) bubble.append(el('span', '', '\n' + c.address));
  bubble.append(el('span', 'footer', c.latitude + ', ' + c.longitude));
}

function renderContacts(bubble, list) {
  for (const card of list || []) {
    bubble.append(el('strong', '', '👤 ' + ((card.name && card.name.formatted_name) || 'Contact')));
    for (const p of card.phones || []) bubble.append(el('span', 'footer', p.phone || p.wa_id));
  }
}

function renderInteractive(bubble, m) {
  const c = m.content || {};
  if (m.dir === 'in') {
    const r = c.button_reply || c.list_reply || {};
    bubble.append(el('span', '', r.title || '[interactive]'));
    return;
  }
  if (c.header && c.header.text) bubble.append(el('span', 'header', c.header.text));
  else if (c.header && c.header.type) bubble.append(el('em', '', '[' + c.header.type + ' header]'));
  if (c.body) renderText(bubble, c.body.text);
  if (c.footer) bubble.append(el('span', 'footer', c.footer.text));
  const actions = el('div', 'actions');
  const action = c.action || {};
  if (c.type === 'button') {
    for (const b of action.buttons || []) {
      const r = b.reply || {};
      actions.append(tapButton(r.title, () => act({ kind: 'button_reply', id: r.id, title: r.title, reply_to: m.id })));
    }
  } else if (c.type === 'list') {
    if (action.button) actions.append(el('span', 'section-title', '☰ ' + action.button));
    for (const s of action.sections || []) {
      if (s.title) actions.append(el('span', 'section-title', s.title));
      for (const row of s.rows || []) {
        const label = row.description ? row.title + ' — ' + row.description : row.title;
        actions.append(tapButton(label, () => act({ kind: 'list_reply', id: row.id, title: row.title, description: row.description || '', reply_to: m.id })));
      }
    }
  } else if (c.type === 'cta_url' && action.parameters) {
    actions.append(link(action.parameters.url, action.parameters.display_text));
  } else {
    actions.append(el('em', '', '[' + c.type + ']'));
  }
  bubble.append(actions);
}

function renderTemplate(bubble, m) {
  const t = m.template;
  if (!t) { bubble.append(el('em', '', '[template]')); return; }
  if (t.missing) { bubble.append(el('em', '', '[template ' + t.name + ' (' + t.language + ') no longer exists]')); return; }
  if (t.header) bubble.append(el('span', 'header', t.header));
  if (t.header_media) bubble.append(link(t.header_media.url, 'Open ' + t.header_media.type));
  if (t.body) bubble.append(el('span', '', (t.header || t.header_media ? '\n' : '') + t.body));
  if (t.footer) bubble.append(el('span', 'footer', t.footer));
  if (!t.buttons) return;
  const actions = el('div', 'actions');
  for (const b of t.buttons) {
    if (b.type === 'QUICK_REPLY') {
      actions.append(tapButton(b.text, () => act({ kind: 'quick_reply', payload: b.payload, title: b.text, reply_to: m.id })));
    } else if (b.type === 'URL') {
      actions.append(link(b.url, b.text));
    } else if (b.type === 'PHONE_NUMBER') {
      actions.append(el('span', 'section-title', '📞 ' + b.text + ' ' + (b.phone_number || '')));
    } else {
      actions.append(el('span', 'section-title', b.text));
    }
  }
  bubble.append(actions);
}

function renderMessage(m) {
  const li = el('li', 'bubble ' + m.dir);
  const c = m.content || {};
  if (m.reply_to) li.append(el('span', 'quote', '↩ reply to ' + m.reply_to));
  // Without content (the emulator discards bodies in load runs) only the
  // type is known.
  if (m.content === undefined && !m.template) li.append(el('em', '', '[' + m.type + ']'));
  else switch (m.type) {
    case 'text': renderText(li, c.body); break;
    case 'image': case 'video': case 'audio': case 'document': case 'sticker': renderMedia(li, m); break;
    case 'location': renderLocation(li, c); break;
    case 'contacts': renderContacts(li, m.content); break;
    case 'interactive': renderInteractive(li, m); break;
    case 'template': renderTemplate(li, m); break;
    case 'reaction': li.append(el('span', '', 'Reacted ' + (c.emoji || '(removed)') + ' to ' + c.message_id)); break;
    case 'button': li.append(el('span', '', c.text || c.payload)); break;
    default: li.append(el('em', '', '[' + m.type + ']'));
  }
  const when = new Date(m.at * 1000).toLocaleTimeString();
  const meta = el('span', 'meta', when);
  if (m.dir === 'out') {
    const st = el('span', m.status === 'read' ? 'status-read' : '', ' ' + (ticks[m.status] || 'accepted'));
    meta.append(st);
  }
  li.append(meta);
  return li;
}

function renderChat(chat) {
  $('chat-title').textContent = (chat.profile_name || current.name || 'Customer') + ' · +' + chat.wa_id;
  $('window-state').textContent = chat.window_open ? '24 h window open' : 'window closed: the business can only send templates';
  const list = $('messages');
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 20;
  list.replaceChildren(...chat.messages.map(renderMessage));
  if (atBottom) list.scrollTop = list.scrollHeight;
}

async function refresh() {
  try {
    const s = await api('/phone/api/settings');
    $('business-name').textContent = s.verified_name;
    $('business-number').textContent = '+' + s.display_phone_number;
    if (document.activeElement !== $('callback')) $('callback').value = s.callback;
    $('pending').textContent = s.pending ? s.pending + ' webhook(s) waiting' : '';
    renderChatList((await api('/phone/api/chats')).chats);
    if (!current) return;
    const chat = await api('/phone/api/chat?wa_id=' + encodeURIComponent(current.waID));
    if (chat.version !== version) {
      version = chat.version;
      renderChat(chat);
    }
  } catch (err) {
    notice('Emulator unreachable: ' + err.message);
  }
}

function renderChatList(chats) {
  $('chat-list').replaceChildren(...chats.map((c) => {
    const li = el('li');
    const label = (c.profile_name ? c.profile_name + ' · ' : '') + '+' + c.wa_id + ' (' + c.messages + ')';
    const b = tapButton(label, () => openChat(c.wa_id, c.profile_name));
    if (current && current.waID === c.wa_id) b.className = 'current';
    li.append(b);
    return li;
  }));
}

function openChat(waID, name) {
  const digits = String(waID).replace(/\D/g, '');
  if (!digits) return;
  current = { waID: digits, name: name || $('profile-name').value || '' };
  $('wa-id').value = digits;
  $('profile-name').value = current.name;
  localStorage.setItem('phone.current', JSON.stringify(current));
  for (const id of ['text', 'send-button', 'read-button', 'image-file', 'image-caption', 'image-button', 'lat', 'long', 'loc-name', 'loc-address', 'location-button']) {
    $(id).disabled = false;
  }
  version = -1;
  refresh();
}

document.addEventListener('DOMContentLoaded', () => {
  $('open-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    openChat($('wa-id').value, $('profile-name').value);
  });
  $('profile-name').addEventListener('change', () => {
    if (current) current.name = $('profile-name').value;
  });
  $('settings-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await postJSON('/phone/api/settings', { callback: $('callback').value });
      notice('Callback saved.');
    } catch (err) { notice(err.message); }
  });
  $('compose').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = $('text').value;
    if (!text.trim()) return;
    $('text').value = '';
    act({ kind: 'text', text });
  });
  $('location-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    act({
      kind: 'location', latitude: Number($('lat').value), longitude: Number($('long').value),
      text: $('loc-name').value, address: $('loc-address').value,
    });
  });
  $('image-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = $('image-file').files[0];
    if (!current || !file) return;
    const form = new FormData();
    form.append('wa_id', current.waID);
    form.append('name', current.name);
    form.append('caption', $('image-caption').value);
    form.append('file', file);
    notice('');
    try {
      await api('/phone/api/image', { method: 'POST', body: form });
      $('image-file').value = '';
      $('image-caption').value = '';
    } catch (err) { notice(err.message); }
    version = -1;
    refresh();
  });
  $('read-button').addEventListener('click', async () => {
    if (!current) return;
    try {
      const r = await postJSON('/phone/api/read', { wa_id: current.waID });
      notice(r.read ? r.read + ' message(s) marked read.' : 'Nothing unread.');
    } catch (err) { notice(err.message); }
    version = -1;
    refresh();
  });
  try {
    const saved = JSON.parse(localStorage.getItem('phone.current') || 'null');
    if (saved && saved.waID) openChat(saved.waID, saved.name);
  } catch (_) { /* a bad saved value just means no chat is open */ }
  refresh();
  setInterval(refresh, 1000);
});
