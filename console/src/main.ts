/** Entry: sign-in, navigation by location hash (#/cameras, #/camera/<id>, #/files, #/system), status line. */
import { cameraPage } from './camera.js';
import { camerasPage } from './cameras.js';
import { h } from './dom.js';
import { filesPage } from './files.js';
import { forgetCredential, signIn, storedCredential, type Session } from './session.js';
import { systemPage } from './system.js';

const app = document.getElementById('app')!;
const statusLine = document.getElementById('status')!;
let session: Session | undefined;
let cleanups: (() => void)[] = [];

/** An expired or revoked credential answers -32001: back to the sign-in form. */
function expired(): void {
  endSession();
  signInForm('The session has expired: sign in again.');
}

function report(msg: string, error = false): void {
  statusLine.textContent = msg;
  statusLine.className = error ? 'error' : '';
}

function signInForm(message = ''): void {
  const input = h('input', { type: 'password', id: 'credential', autocomplete: 'off', required: true, 'aria-label': 'Token or API key' });
  const form = h('form', { class: 'signin', 'aria-label': 'Sign in' },
    h('h1', {}, 'Sign in'),
    h('label', { for: 'credential' }, 'JWT or API key'),
    input,
    h('button', { type: 'submit' }, 'Sign in'),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void start(input.value.trim());
  });
  document.getElementById('nav')!.replaceChildren();
  app.replaceChildren(form);
  input.focus();
}

async function start(token: string): Promise<void> {
  try {
    session = await signIn(token);
  } catch (err) {
    forgetCredential();
    return signInForm(`Sign-in failed: ${(err as Error).message}`);
  }
  const s = session;
  s.rpc.onAuthLost = () => session === s && expired();
  // Low disk space is announced on every page.
  s.rpc.on('storage.low_space', (p: { usage_percentage?: number }) => {
    document.getElementById('alert')!.textContent = `Low disk space${p.usage_percentage !== undefined ? `: ${Math.round(p.usage_percentage)} % used` : ''}`;
  });
  void s.rpc.call('subscribe_events', { topics: ['storage.low_space'] }).catch(() => undefined);
  void s.rpc.closed.then(() => {
    if (session !== s) return;
    session = undefined;
    report('Connection lost; sign in again', true);
    signInForm('The connection to the service was lost.');
  });
  const link = (href: string, label: string) => h('a', { href }, label);
  document.getElementById('nav')!.replaceChildren(
    link('#/cameras', 'Cameras'), link('#/files', 'Recordings'), link('#/system', 'System'),
    h('span', { class: 'role', 'data-role': s.role }, s.role),
    h('button', { type: 'button', onclick: signOut }, 'Sign out'),
  );
  route();
}

function signOut(): void {
  endSession();
  signInForm();
}

/** Forgets the credential, stops the page's views and closes the connection. */
function endSession(): void {
  forgetCredential();
  const s = session;
  session = undefined;
  cleanups.forEach((fn) => fn());
  cleanups = [];
  s?.rpc.close();
  document.getElementById('alert')!.textContent = '';
}

function route(): void {
  if (!session) return;
  cleanups.forEach((fn) => fn());
  cleanups = [];
  const onCleanup = (fn: () => void) => void cleanups.push(fn);
  const hash = location.hash || '#/cameras';
  const page = h('div', {});
  app.replaceChildren(page);
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#nav a')) a.toggleAttribute('aria-current', hash.startsWith(a.getAttribute('href')!));
  const cam = /^#\/camera\/(camera[0-9]+)$/.exec(hash);
  if (cam) cameraPage(session, page, cam[1]!, onCleanup, report);
  else if (hash === '#/files') filesPage(session, page, onCleanup, report);
  else if (hash === '#/system') systemPage(session, page, report);
  else camerasPage(session, page, onCleanup);
}

window.addEventListener('hashchange', route);
const saved = storedCredential();
if (saved) void start(saved);
else signInForm();
